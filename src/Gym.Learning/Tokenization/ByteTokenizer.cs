using System.Text;
using System.Text.RegularExpressions;

namespace Gym.Learning.Tokenization;

/// <summary>
/// The built-in vocabulary for tiny models: one id per UTF-8 byte (0–255) and a few special tokens above.
/// Needs no files, encodes any text, and never meets an unknown token.
/// </summary>
public sealed class ByteTokenizer : IPolicyTokenizer
{
    /// <summary>Padding (256).</summary>
    public const string PadToken = "<|pad|>";

    /// <summary>Beginning of sequence (257).</summary>
    public const string BosToken = "<|bos|>";

    /// <summary>End of sequence (258).</summary>
    public const string EosToken = "<|eos|>";

    /// <summary>Start of a chat turn, ChatML style (259).</summary>
    public const string TurnStartToken = "<|im_start|>";

    /// <summary>End of a chat turn, ChatML style (260).</summary>
    public const string TurnEndToken = "<|im_end|>";

    /// <summary>Number of byte ids; special ids start here.</summary>
    public const int ByteCount = 256;

    // Three reserved ids round the vocabulary up to 264, a multiple of 8 (friendlier matrix shapes).
    private static readonly string[] Specials =
        [PadToken, BosToken, EosToken, TurnStartToken, TurnEndToken, "<|reserved_0|>", "<|reserved_1|>", "<|reserved_2|>"];

    private static readonly Regex SpecialPattern = new(string.Join("|", Specials.Select(Regex.Escape)), RegexOptions.CultureInvariant);

    /// <summary>The shared instance (the tokenizer has no state).</summary>
    public static ByteTokenizer Instance { get; } = new();

    private ByteTokenizer()
    {
        SpecialTokens = Specials.Select((text, index) => (text, id: ByteCount + index)).ToDictionary(s => s.text, s => s.id, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public int VocabSize => ByteCount + Specials.Length;

    /// <inheritdoc />
    public int? BosId => SpecialTokens[BosToken];

    /// <inheritdoc />
    public int EosId => SpecialTokens[EosToken];

    /// <inheritdoc />
    public int PadId => SpecialTokens[PadToken];

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <inheritdoc />
    public int[] Encode(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        if (!parseSpecialTokens)
        {
            AddBytes(ids, text);
            return [.. ids];
        }

        var start = 0;
        foreach (Match match in SpecialPattern.Matches(text))
        {
            AddBytes(ids, text.AsSpan(start, match.Index - start));
            ids.Add(SpecialTokens[match.Value]);
            start = match.Index + match.Length;
        }

        AddBytes(ids, text.AsSpan(start));
        return [.. ids];
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id is >= 0 and < ByteCount)
            {
                bytes.Add((byte)id);
                continue;
            }

            if (id < ByteCount || id >= VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the byte vocabulary [0, {VocabSize})");
            }

            // Bytes are decoded in runs so multi-byte characters survive; a broken sequence becomes U+FFFD.
            text.Append(Encoding.UTF8.GetString([.. bytes]));
            bytes.Clear();
            text.Append(Specials[id - ByteCount]);
        }

        text.Append(Encoding.UTF8.GetString([.. bytes]));
        return text.ToString();
    }

    private static void AddBytes(List<int> ids, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var buffer = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, buffer);
        foreach (var b in buffer)
        {
            ids.Add(b);
        }
    }
}
