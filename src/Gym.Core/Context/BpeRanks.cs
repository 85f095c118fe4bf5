using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Compression;
using System.Numerics;
using System.Reflection;

namespace Gym.Core.Context;

/// <summary>
/// A tiktoken rank table: which byte sequences are tokens, and the merge priority (rank) of each. Built
/// straight from the rank file that Microsoft.ML.Tokenizers ships for an encoding, into one byte array and
/// an open-addressing index, without the library's three dictionaries and 200k strings: that made loading
/// the table most of <c>gym run</c>'s start-up. Read-only once built, so safe to share between threads.
/// </summary>
internal sealed class BpeRanks
{
    private readonly byte[] _bytes;
    private readonly int[] _starts;
    private readonly int[] _slots;
    private readonly int _mask;

    private BpeRanks(byte[] bytes, int[] starts, int count)
    {
        _bytes = bytes;
        _starts = starts;
        Count = count;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)(count * 2));
        _mask = size - 1;
        _slots = new int[size];
        for (var rank = 0; rank < count; rank++)
        {
            var token = Token(rank);
            if (token.IsEmpty)
            {
                continue;
            }

            // Slots hold rank + 1 (0 is empty); a later line with the same bytes wins, as in the library.
            var slot = (int)Hash(token) & _mask;
            while (_slots[slot] != 0 && !Token(_slots[slot] - 1).SequenceEqual(token))
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = rank + 1;
        }
    }

    /// <summary>How many ranks the table has (lines of the rank file).</summary>
    public int Count { get; }

    /// <summary>
    /// Reads the rank file embedded in <paramref name="assemblyName"/> as <paramref name="resourceName"/>
    /// (deflate-compressed, as the Microsoft.ML.Tokenizers.Data packages ship it): an optional
    /// <c>Capacity: N</c> line, then one base64 token per line whose rank is its line number.
    /// </summary>
    public static BpeRanks FromEmbeddedResource(string assemblyName, string resourceName)
    {
        var assembly = Assembly.Load(assemblyName);
        using var compressed = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"{assemblyName} has no resource {resourceName}");
        using var inflating = new DeflateStream(compressed, CompressionMode.Decompress);
        using var text = new MemoryStream();
        inflating.CopyTo(text);
        return Parse(text.GetBuffer().AsSpan(0, (int)text.Length));
    }

    /// <summary>Parses the text of a rank file whose tokens are ranked by line number.</summary>
    public static BpeRanks Parse(ReadOnlySpan<byte> file)
    {
        // Base64 never grows when decoded, so the file's size bounds the bytes of all tokens.
        var bytes = new byte[file.Length];
        var starts = new List<int>(capacity: 210_000);
        var written = 0;
        var line = NextLine(ref file);
        if (line.StartsWith("Capacity: "u8))
        {
            line = NextLine(ref file);
        }

        // Empty lines before the first token are skipped; empty lines after it still take a rank.
        while (line.IsEmpty && !file.IsEmpty)
        {
            line = NextLine(ref file);
        }

        while (true)
        {
            if (!line.IsEmpty)
            {
                if (line.IndexOf((byte)' ') >= 0)
                {
                    throw new FormatException("rank files with explicit ranks (\"TOKEN RANK\" lines) are not supported by this reader");
                }

                if (Base64.DecodeFromUtf8(line, bytes.AsSpan(written), out _, out var length) != System.Buffers.OperationStatus.Done)
                {
                    throw new FormatException($"line {starts.Count + 1} of the rank file is not base64");
                }

                starts.Add(written);
                written += length;
            }
            else
            {
                starts.Add(written);
            }

            if (file.IsEmpty)
            {
                break;
            }

            line = NextLine(ref file);
        }

        starts.Add(written);
        return new BpeRanks(bytes, [.. starts], starts.Count - 1);
    }

    /// <summary>The rank of <paramref name="token"/>, or -1 when it is not a token.</summary>
    public int RankOf(ReadOnlySpan<byte> token) => RankOf(token, Hash(token));

    /// <summary>The rank of <paramref name="token"/>, whose <see cref="Hash"/> the caller already has, or -1 when it is not a token.</summary>
    public int RankOf(ReadOnlySpan<byte> token, uint hash)
    {
        var slot = (int)hash & _mask;
        while (true)
        {
            var entry = _slots[slot];
            if (entry == 0)
            {
                return -1;
            }

            if (Token(entry - 1).SequenceEqual(token))
            {
                return entry - 1;
            }

            slot = (slot + 1) & _mask;
        }
    }

    private ReadOnlySpan<byte> Token(int rank) => _bytes.AsSpan(_starts[rank], _starts[rank + 1] - _starts[rank]);

    private static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> file)
    {
        var end = file.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line;
        if (end < 0)
        {
            line = file;
            file = default;
        }
        else
        {
            line = file[..end];
            file = file[(end + 1)..];
        }

        return line.EndsWith((byte)'\r') ? line[..^1] : line;
    }

    // Tokens are short (most under 8 bytes): eight bytes at a time, then the tail, mixed by multiplication.
    internal static uint Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = (ulong)bytes.Length * 0x9E3779B97F4A7C15UL;
        while (bytes.Length >= 8)
        {
            hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * 0xBF58476D1CE4E5B9UL;
            hash ^= hash >> 31;
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (8 * i);
        }

        hash = (hash ^ tail) * 0x94D049BB133111EBUL;
        hash ^= hash >> 29;
        return (uint)(hash ^ (hash >> 32));
    }
}
