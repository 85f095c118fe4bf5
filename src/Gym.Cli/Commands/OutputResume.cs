using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Gym.Core.Trajectories;

namespace Gym.Cli.Commands;

/// <summary>
/// <c>--resume</c> for commands that write a JSONL file line by line in a fixed order (<c>gym run</c>,
/// <c>gym score</c>): checks that an existing file was written by the same command with the same
/// inputs (its <see cref="RunHeader"/>), finds its whole lines, and says where to continue. Without
/// <c>--resume</c> it records the header beside a fresh file, so that the file can be resumed later.
/// </summary>
internal static class OutputResume
{
    /// <summary>Where a command writing an output file starts.</summary>
    /// <param name="Lines">Whole lines already in the file (0 for a fresh file): the index of the first line to write.</param>
    /// <param name="WholeBytes">Their length in bytes; anything after is a torn line to cut off.</param>
    /// <param name="TornBytes">How many bytes of a torn last line are cut off.</param>
    /// <param name="FirstLine">The first whole line, or null.</param>
    /// <param name="LastLine">The last whole line, or null.</param>
    /// <param name="Resumed">Whether an existing file is continued.</param>
    public sealed record Start(long Lines, long WholeBytes, long TornBytes, string? FirstLine, string? LastLine, bool Resumed)
    {
        /// <summary>A fresh file.</summary>
        public static Start Fresh { get; } = new(0, 0, 0, null, null, Resumed: false);
    }

    /// <summary>
    /// With <paramref name="resume"/> and an existing file: checks its header against
    /// <paramref name="header"/> and returns its whole lines; otherwise <see cref="Start.Fresh"/>
    /// (a missing file under <c>--resume</c> simply starts from the beginning).
    /// </summary>
    /// <exception cref="CliUsageException">The file cannot be continued: no header, another header, or unreadable.</exception>
    public static Start Inspect(string outputPath, RunHeader header, bool resume)
    {
        if (!resume || !File.Exists(outputPath))
        {
            return Start.Fresh;
        }

        RunHeader? recorded;
        try
        {
            recorded = RunHeader.Read(outputPath);
        }
        catch (TrajectoryFormatException ex)
        {
            throw new CliUsageException($"cannot resume {outputPath}: {ex.Message}");
        }

        if (recorded is null)
        {
            throw new CliUsageException($"cannot resume {outputPath}: it has no run header ({RunHeader.PathFor(outputPath)}), so nothing says what wrote it (an older gym, or another program); run without --resume to start it over");
        }

        if (recorded.FirstDifference(header) is { } difference)
        {
            throw new CliUsageException($"cannot resume {outputPath}: it was written with other settings ({difference}); give the same settings, or run without --resume to start it over");
        }

        RolloutFileTail tail;
        try
        {
            tail = RolloutFileTail.Inspect(outputPath);
        }
        catch (TrajectoryFormatException ex)
        {
            throw new CliUsageException($"cannot resume {outputPath}: {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new CliUsageException($"cannot resume {outputPath}: {ex.Message}");
        }

        return new Start(tail.Lines, tail.WholeBytes, tail.TornBytes, tail.FirstLine, tail.LastLine, Resumed: true);
    }

    /// <summary>Records the header of a fresh file (after the file itself was created, so a kill in between leaves a header that no longer matches rather than an old file under a new header).</summary>
    public static void Record(string outputPath, RunHeader header, Start start)
    {
        if (!start.Resumed)
        {
            header.Write(outputPath);
        }
    }

    /// <summary>The hex SHA-256 of a file's bytes.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Checks that line <paramref name="lineNumber"/> (1-based) of a resumed file is the episode a run
    /// would have written there: its index, environment, policy and seed.
    /// </summary>
    /// <exception cref="CliUsageException">It is not.</exception>
    public static void CheckEpisodeLine(string outputPath, long lineNumber, string line, long episode, string environmentId, string policyId, long seed)
    {
        string? problem;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            problem =
                Mismatch(root, "episode", episode.ToString(CultureInfo.InvariantCulture)) ??
                Mismatch(root, "environment_id", environmentId) ??
                Mismatch(root, "policy_id", policyId) ??
                Mismatch(root, "seed", seed.ToString(CultureInfo.InvariantCulture));
        }
        catch (JsonException ex)
        {
            problem = $"not a JSON episode ({ex.Message})";
        }

        if (problem is not null)
        {
            throw new CliUsageException($"cannot resume {outputPath}: line {lineNumber} is not what this run writes there: {problem}; run without --resume to start it over");
        }
    }

    private static string? Mismatch(JsonElement root, string name, string expected)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var value))
        {
            return $"no '{name}'";
        }

        var actual = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        return string.Equals(actual, expected, StringComparison.Ordinal) ? null : $"'{name}' is {actual}, expected {expected}";
    }
}
