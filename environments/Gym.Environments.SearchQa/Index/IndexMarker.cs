using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gym.Environments.SearchQa.Index;

/// <summary>
/// The completion marker of a cached index (<c>gym-index.json</c>), written after Lucene's final
/// commit and before the build folder is renamed into place. It records what a later open checks:
/// which corpus and format the index is for, how many documents it holds, and every index file
/// with its length, plus the SHA-256 of the document store files (Lucene's own files carry CRC-32 footers).
/// </summary>
internal sealed record IndexMarker(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("documents")] int Documents,
    [property: JsonPropertyName("settings")] string Settings,
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, long> Files,
    [property: JsonPropertyName("sha256")] IReadOnlyDictionary<string, string> Hashes)
{
    public const string FileName = "gym-index.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Total bytes of the listed index files.</summary>
    public long SizeBytes => Files.Values.Sum();

    /// <summary>Writes the marker into <paramref name="folder"/> and flushes it to disk.</summary>
    public void Write(string folder)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);
        using var stream = new FileStream(Path.Combine(folder, FileName), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Reads the marker of <paramref name="folder"/>, or says why there is no usable one.</summary>
    public static IndexMarker? TryRead(string folder, out string? problem)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            problem = "the completion marker is missing";
            return null;
        }

        try
        {
            var marker = JsonSerializer.Deserialize<IndexMarker>(File.ReadAllBytes(path), JsonOptions);
            if (marker is null || marker.Key is null || marker.Settings is null || marker.Files is null || marker.Hashes is null)
            {
                problem = "the completion marker is incomplete";
                return null;
            }

            problem = null;
            return marker;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"the completion marker is unreadable ({e.GetType().Name})";
            return null;
        }
    }
}
