using System.Text.Json;

namespace Gym.Core.Trajectories;

/// <summary>
/// What produced an output file, kept beside it in <c>FILE.run.json</c> so that a later
/// <c>--resume</c> can tell whether continuing the file would give the file an uninterrupted run
/// gives. It lives beside the file rather than in it so that the JSONL stays one episode per line,
/// byte-identical to what earlier versions wrote.
/// </summary>
/// <param name="Command">The command that writes the file (<c>run</c>, <c>score</c>).</param>
/// <param name="Fields">Everything the file's bytes depend on, as text; all must match to resume.</param>
public sealed record RunHeader(string Command, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The header format written; a reader refuses others.</summary>
    public const int Version = 1;

    private const string VersionKey = "gym_run_header";

    /// <summary>Where the header of <paramref name="outputPath"/> is kept: the same path plus <c>.run.json</c>.</summary>
    public static string PathFor(string outputPath) => outputPath + ".run.json";

    /// <summary>Writes the header beside <paramref name="outputPath"/>, replacing it whole (through a temporary file) so that a kill never leaves half a header.</summary>
    /// <exception cref="TrajectorySinkException">It cannot be written.</exception>
    public void Write(string outputPath)
    {
        var path = PathFor(outputPath);
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, ToJson());
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TrajectorySinkException(path, ex.Message, ex);
        }
    }

    /// <summary>Reads the header beside <paramref name="outputPath"/>, or null when there is none.</summary>
    /// <exception cref="TrajectoryFormatException">The header file is not a header this version reads.</exception>
    public static RunHeader? Read(string outputPath)
    {
        var path = PathFor(outputPath);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(VersionKey, out var version) || version.ValueKind != JsonValueKind.Number)
            {
                throw new TrajectoryFormatException(path, 1, $"not a run header (no '{VersionKey}' number)", null);
            }

            if (version.GetInt32() != Version)
            {
                throw new TrajectoryFormatException(path, 1, $"run header version {version.GetInt32()} is not one this gym reads (it reads {Version})", null);
            }

            var command = root.GetProperty("command").GetString() ?? "";
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var field in root.GetProperty("fields").EnumerateObject())
            {
                fields[field.Name] = field.Value.GetString() ?? "";
            }

            return new RunHeader(command, fields);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TrajectoryFormatException(path, 1, $"not a valid run header: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The first way <paramref name="current"/> differs from this (recorded) header, in words
    /// (<c>seed: the file has 3, this run has 4</c>), or null when they match.
    /// </summary>
    public string? FirstDifference(RunHeader current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (!string.Equals(Command, current.Command, StringComparison.Ordinal))
        {
            return $"the file was written by 'gym {Command}', not 'gym {current.Command}'";
        }

        foreach (var key in Fields.Keys.Union(current.Fields.Keys).Order(StringComparer.Ordinal))
        {
            var recorded = Fields.TryGetValue(key, out var r) ? r : null;
            var now = current.Fields.TryGetValue(key, out var n) ? n : null;
            if (!string.Equals(recorded, now, StringComparison.Ordinal))
            {
                return $"{key}: the file has {Show(recorded)}, this run has {Show(now)}";
            }
        }

        return null;
    }

    private static string Show(string? value) => value is null ? "none" : $"'{value}'";

    private byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber(VersionKey, Version);
            writer.WriteString("command", Command);
            writer.WriteStartObject("fields");
            foreach (var (key, value) in Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
