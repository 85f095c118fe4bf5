using System.Buffers;

namespace Gym.Core.Context;

/// <summary>
/// Counts o200k tokens the way Microsoft.ML.Tokenizers' <c>TiktokenTokenizer.CreateForEncoding("o200k_base")</c>
/// does, over the same rank file, without building the library's tokenizer (most of <c>gym run</c>'s start-up)
/// and without its per-call enumerator, piece cache and allocations. The steps and their equivalents:
/// special tokens split the text first and count one each; <see cref="O200kPreTokenizer"/> splits the rest
/// into pieces; a piece counts one when its text is a token, otherwise the number of parts tiktoken's
/// byte-pair merge leaves of its UTF-8 bytes (lowest rank first, the leftmost of equal ranks). The
/// differential tests compare it with the library on every scenario text and a large random corpus.
/// </summary>
internal sealed class O200kBpe
{
    /// <summary>The special tokens of o200k_base; the library splits them out before pre-tokenizing.</summary>
    internal static readonly string[] SpecialTokens = ["<|endoftext|>", "<|endofprompt|>"];

    private const int StackParts = 128;

    private readonly BpeRanks _ranks;

    private O200kBpe(BpeRanks ranks) => _ranks = ranks;

    /// <summary>Loads the o200k_base rank file from the Microsoft.ML.Tokenizers.Data.O200kBase package.</summary>
    public static O200kBpe Load() =>
        new(BpeRanks.FromEmbeddedResource("Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate"));

    /// <summary>The number of tokens of <paramref name="text"/>.</summary>
    public int CountTokens(ReadOnlySpan<char> text)
    {
        var count = 0;
        while (!text.IsEmpty)
        {
            var (at, length) = FirstSpecialToken(text);
            count += CountOrdinary(at < 0 ? text : text[..at]);
            if (at < 0)
            {
                break;
            }

            count++;
            text = text[(at + length)..];
        }

        return count;
    }

    // The leftmost special token; of two at the same place, the first in the list (regex alternation order).
    private static (int At, int Length) FirstSpecialToken(ReadOnlySpan<char> text)
    {
        var best = (At: -1, Length: 0);
        if (text.IndexOf("<|", StringComparison.Ordinal) < 0)
        {
            return best;
        }

        foreach (var special in SpecialTokens)
        {
            var at = text.IndexOf(special, StringComparison.Ordinal);
            if (at >= 0 && (best.At < 0 || at < best.At))
            {
                best = (at, special.Length);
            }
        }

        return best;
    }

    private int CountOrdinary(ReadOnlySpan<char> text)
    {
        var count = 0;
        var start = 0;
        while (start < text.Length)
        {
            var end = O200kPreTokenizer.NextPieceEnd(text, start);
            count += CountPiece(text[start..end]);
            start = end;
        }

        return count;
    }

    private int CountPiece(ReadOnlySpan<char> piece)
    {
        // At most three UTF-8 bytes per UTF-16 code unit (a surrogate pair is two units and four bytes).
        var maxBytes = piece.Length * 3;
        byte[]? rented = null;
        // Sized to the piece: the stack buffer is zeroed on entry, and most pieces are a few characters.
        var buffer = maxBytes <= 256 ? stackalloc byte[maxBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = EncodeUtf8(piece, buffer, out var roundTrips);
            var bytes = buffer[..length];
            if (length == 1)
            {
                return 1;
            }

            // The library first looks the piece's text up among the tokens decoded to text; a token whose bytes
            // decode with a replacement character, and a piece with a lone surrogate, are not found there.
            // One hash serves that look-up and the table of merged pieces.
            var hash = BpeRanks.Hash(bytes);
            if (roundTrips && _ranks.RankOf(bytes, hash) >= 0)
            {
                return 1;
            }

            return MergedCount(bytes, hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // Pieces that are not a token themselves are few kinds and recur: the punctuation between a tool call's JSON
    // fields, tags glued to symbols, words split in two. A small direct-mapped table of the latest ones (each
    // entry immutable, so concurrent readers see a whole one) skips their merge on a repeat.
    private const int MergedSlots = 1024;
    private const int MaxMergedBytes = 32;

    private readonly MergedPiece?[] _merged = new MergedPiece?[MergedSlots];

    private sealed record MergedPiece(byte[] Bytes, int Count);

    private int MergedCount(ReadOnlySpan<byte> bytes, uint hash)
    {
        if (bytes.Length > MaxMergedBytes)
        {
            return MergeCount(bytes);
        }

        var slot = (int)(hash & (MergedSlots - 1));
        if (Volatile.Read(ref _merged[slot]) is { } known && known.Bytes.AsSpan().SequenceEqual(bytes))
        {
            return known.Count;
        }

        var count = MergeCount(bytes);
        Volatile.Write(ref _merged[slot], new MergedPiece(bytes.ToArray(), count));
        return count;
    }

    /// <summary>How many parts tiktoken's byte-pair merge leaves of <paramref name="bytes"/>.</summary>
    private int MergeCount(ReadOnlySpan<byte> bytes)
    {
        // starts[i] is where part i begins (starts[parts] is the end); ranks[i] the rank of parts i and i+1 joined.
        var n = bytes.Length + 1;
        int[]? rentedStarts = null;
        int[]? rentedRanks = null;
        var starts = n <= StackParts ? stackalloc int[n] : (rentedStarts = ArrayPool<int>.Shared.Rent(n));
        var ranks = n <= StackParts ? stackalloc int[n] : (rentedRanks = ArrayPool<int>.Shared.Rent(n));
        try
        {
            for (var i = 0; i < n; i++)
            {
                starts[i] = i;
                ranks[i] = int.MaxValue;
            }

            for (var i = 0; i < n - 2; i++)
            {
                ranks[i] = RankOf(bytes, starts, n, i, 0);
            }

            while (n > 1)
            {
                var min = int.MaxValue;
                var at = 0;
                for (var i = 0; i < n - 1; i++)
                {
                    if (ranks[i] < min)
                    {
                        min = ranks[i];
                        at = i;
                    }
                }

                if (min == int.MaxValue)
                {
                    break;
                }

                // Parts at and at+1 join; the pairs on either side of the joined part get their new ranks.
                ranks[at] = RankOf(bytes, starts, n, at, 1);
                if (at > 0)
                {
                    ranks[at - 1] = RankOf(bytes, starts, n, at - 1, 1);
                }

                starts[(at + 2)..n].CopyTo(starts[(at + 1)..]);
                ranks[(at + 2)..n].CopyTo(ranks[(at + 1)..]);
                n--;
            }

            return n - 1;
        }
        finally
        {
            if (rentedStarts is not null)
            {
                ArrayPool<int>.Shared.Return(rentedStarts);
                ArrayPool<int>.Shared.Return(rentedRanks!);
            }
        }
    }

    // The rank of the bytes from part `first` to the end of part `first + skip + 1`, or int.MaxValue.
    private int RankOf(ReadOnlySpan<byte> bytes, Span<int> starts, int n, int first, int skip)
    {
        var last = first + skip + 2;
        if (last >= n)
        {
            return int.MaxValue;
        }

        var rank = _ranks.RankOf(bytes[starts[first]..starts[last]]);
        return rank < 0 ? int.MaxValue : rank;
    }

    /// <summary>
    /// UTF-8 of <paramref name="text"/> as the library makes it: a lone surrogate becomes its own three bytes
    /// (not U+FFFD's). <paramref name="roundTrips"/> is false when the text has a lone surrogate or U+FFFD,
    /// the texts the library's token-text look-up cannot find.
    /// </summary>
    private static int EncodeUtf8(ReadOnlySpan<char> text, Span<byte> destination, out bool roundTrips)
    {
        roundTrips = true;
        var written = 0;
        for (var i = 0; i < text.Length; i++)
        {
            uint c = text[i];
            if (c <= 0x7F)
            {
                destination[written++] = (byte)c;
            }
            else if (c <= 0x7FF)
            {
                destination[written++] = (byte)(0xC0 | (c >> 6));
                destination[written++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (i + 1 < text.Length && char.IsSurrogatePair(text[i], text[i + 1]))
            {
                var scalar = (uint)char.ConvertToUtf32(text[i], text[i + 1]);
                destination[written++] = (byte)(0xF0 | (scalar >> 18));
                destination[written++] = (byte)(0x80 | ((scalar >> 12) & 0x3F));
                destination[written++] = (byte)(0x80 | ((scalar >> 6) & 0x3F));
                destination[written++] = (byte)(0x80 | (scalar & 0x3F));
                i++;
            }
            else
            {
                if (char.IsSurrogate(text[i]) || c == 0xFFFD)
                {
                    roundTrips = false;
                }

                destination[written++] = (byte)(0xE0 | (c >> 12));
                destination[written++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                destination[written++] = (byte)(0x80 | (c & 0x3F));
            }
        }

        return written;
    }
}
