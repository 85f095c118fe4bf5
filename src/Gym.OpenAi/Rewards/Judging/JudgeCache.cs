using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gym.Core.Rewards.Judging;

/// <summary>
/// Cache of judge replies keyed by the SHA-256 of the exact request body (model, messages,
/// temperature, max tokens...). With a file path it persists as JSONL (one
/// <c>{"key":..,"reply":..}</c> per line, appended and flushed per entry; a torn last line from a
/// crash is ignored on load), so re-scoring is free. Thread-safe.
/// </summary>
/// <remarks>
/// The first reply stored for a key wins: two concurrent misses on one key both reach the server,
/// but the cache (and the file) keep one answer, so re-scoring from the file reproduces the scores
/// the first run reported. The file is held open exclusively for writing while the cache lives.
/// </remarks>
public sealed class JudgeCache : IDisposable
{
    private readonly Dictionary<string, string> _replies = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly FileStream? _file;
    private int _hits;
    private int _misses;
    private bool _disposed;

    /// <summary>Creates an in-memory cache, or one persisted to (and loaded from) the JSONL file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A line other than the last is not a cache entry.</exception>
    public JudgeCache(string? path = null)
    {
        Path = path;
        if (path is null)
        {
            return;
        }

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            Load(_file, path);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>The backing file, or null for an in-memory cache.</summary>
    public string? Path { get; }

    /// <summary>Lookups answered from the cache.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Lookups the cache could not answer.</summary>
    public int Misses => Volatile.Read(ref _misses);

    /// <summary>Entries held (loaded and added).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _replies.Count;
            }
        }
    }

    /// <summary>The cache key of a request body: the lower-case hex SHA-256 of its UTF-8 bytes.</summary>
    public static string KeyOf(ReadOnlySpan<byte> requestBody) => Convert.ToHexStringLower(SHA256.HashData(requestBody));

    /// <summary>Looks a key up, counting a hit or a miss.</summary>
    public bool TryGet(string key, [MaybeNullWhen(false)] out string reply)
    {
        ArgumentNullException.ThrowIfNull(key);
        bool found;
        lock (_gate)
        {
            found = _replies.TryGetValue(key, out reply);
        }

        Interlocked.Increment(ref found ? ref _hits : ref _misses);
        return found;
    }

    /// <summary>Stores a reply (and appends it to the file) unless the key already has one; returns whether it was stored.</summary>
    public bool Add(string key, string reply)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(reply);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_replies.TryAdd(key, reply))
            {
                return false;
            }

            if (_file is not null)
            {
                // Written whole and flushed under the lock, so a crash can tear at most the last line.
                _file.Write(EncodeLine(key, reply));
                _file.Flush();
            }

            return true;
        }
    }

    /// <summary>
    /// Flushes the file through to the disk and closes it, releasing the exclusive write handle (so the
    /// file can be reopened at once); later calls do nothing. Entries added afterwards throw
    /// <see cref="ObjectDisposedException"/>; lookups keep answering from memory.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_file is not null)
            {
                try
                {
                    // Every entry was flushed to the OS as it was added; this makes it durable too.
                    _file.Flush(flushToDisk: true);
                }
                finally
                {
                    _file.Dispose();
                }
            }
        }
    }

    private void Load(FileStream file, string path)
    {
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        var lineNumber = 0;
        var start = 0;
        var validEnd = 0;
        var lastLineUnterminated = false;
        while (start < bytes.Length)
        {
            lineNumber++;
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            var end = newline < 0 ? bytes.Length : newline;
            var next = newline < 0 ? bytes.Length : newline + 1;
            var line = bytes.AsMemory(start, end - start);
            if (!line.Span[Ascii.Trim(line.Span)].IsEmpty)
            {
                if (TryDecodeLine(line, out var key, out var reply))
                {
                    _replies.TryAdd(key, reply);
                    lastLineUnterminated = newline < 0;
                }
                else if (next == bytes.Length)
                {
                    // A torn last line: what a crash mid-append leaves. It is dropped and cut off
                    // so that the next append starts on a clean line.
                    break;
                }
                else
                {
                    throw new InvalidDataException($"judge cache '{path}' line {lineNumber} is not a {{\"key\",\"reply\"}} entry");
                }
            }

            validEnd = next;
            start = next;
        }

        if (validEnd < bytes.Length)
        {
            file.SetLength(validEnd);
        }

        file.Seek(0, SeekOrigin.End);
        if (lastLineUnterminated && validEnd == bytes.Length)
        {
            file.WriteByte((byte)'\n');
            file.Flush();
        }
    }

    private static byte[] EncodeLine(string key, string reply)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("key", key);
            writer.WriteString("reply", reply);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static bool TryDecodeLine(ReadOnlyMemory<byte> line, [NotNullWhen(true)] out string? key, [NotNullWhen(true)] out string? reply)
    {
        key = null;
        reply = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("key", out var keyElement) && keyElement.ValueKind == JsonValueKind.String
                && root.TryGetProperty("reply", out var replyElement) && replyElement.ValueKind == JsonValueKind.String)
            {
                key = keyElement.GetString()!;
                reply = replyElement.GetString()!;
                return true;
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
