using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Gym.Learning.Tokenization;

/// <summary>
/// A BPE tokenizer read from a Hugging Face <c>tokenizer.json</c> (GPT-2, Qwen2, Llama 3 and similar
/// byte-level BPE vocabularies) and run by Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>.
/// Microsoft.ML.Tokenizers 2.0.1 cannot read <c>tokenizer.json</c> itself, so this reads the parts a
/// byte-level BPE needs: the vocabulary, the merges, the added tokens, the pre-tokenizer's split regex
/// and Unicode normalization. SentencePiece-style files (byte fallback, Metaspace) are refused with a
/// message that says what is unsupported.
/// </summary>
public sealed class HuggingFaceTokenizer : IPolicyTokenizer
{
    // Hugging Face's ByteLevel pre-tokenizer regex (GPT-2), used when the file asks for use_regex.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    // Hugging Face's Whitespace pre-tokenizer.
    private const string WhitespacePattern = @"\w+|[^\w\s]+";

    // One piece: the text is already pre-tokenized (BpeTokenizer would otherwise split on whitespace by default).
    private static readonly Regex WholeText = new(@"[\s\S]+", RegexOptions.CultureInvariant);

    // Looked for, in this order, when no tokenizer_config.json names the end-of-sequence token.
    private static readonly string[] EosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|eot_id|>", "<|im_end|>", "<eos>"];

    // Decodes every id, added tokens included.
    private readonly BpeTokenizer _bpe;

    // The vocabulary with no added tokens: encodes the text between added tokens, pre-tokenized by the file's regex.
    private readonly BpeTokenizer _plain;

    // With ignore_merges: encodes one pre-tokenized piece (no pre-tokenizer) when the vocabulary lacks it whole.
    private readonly BpeTokenizer? _piece;
    private readonly Regex? _pieceSplitter;
    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int> _added;
    private readonly bool _byteLevel;

    // Added tokens matched atomically: all of them (markup), or only the non-special ones (content).
    private readonly Regex? _allAdded;
    private readonly Regex? _nonSpecialAdded;
    private readonly NormalizationForm[] _normalizations;
    private readonly bool _lowercase;
    private readonly bool _addPrefixSpace;

    private HuggingFaceTokenizer(
        BpeTokenizer bpe,
        BpeTokenizer plain,
        (BpeTokenizer Piece, Regex Splitter)? ignoreMerges,
        Dictionary<string, int> vocabulary,
        bool byteLevel,
        IReadOnlyList<(string Content, int Id, bool Special)> added,
        int vocabSize,
        NormalizationForm[] normalizations,
        bool lowercase,
        bool addPrefixSpace,
        int? bosId,
        int eosId,
        int padId)
    {
        _bpe = bpe;
        _plain = plain;
        _piece = ignoreMerges?.Piece;
        _pieceSplitter = ignoreMerges?.Splitter;
        _vocabulary = vocabulary;
        _byteLevel = byteLevel;
        _added = added.ToDictionary(a => a.Content, a => a.Id, StringComparer.Ordinal);
        _allAdded = AlternationOf(added.Select(a => a.Content));
        _nonSpecialAdded = AlternationOf(added.Where(a => !a.Special).Select(a => a.Content));
        SpecialTokens = added.Where(a => a.Special).ToDictionary(a => a.Content, a => a.Id, StringComparer.Ordinal);
        AddedTokens = _added;
        VocabSize = vocabSize;
        _normalizations = normalizations;
        _lowercase = lowercase;
        _addPrefixSpace = addPrefixSpace;
        BosId = bosId;
        EosId = eosId;
        PadId = padId;
    }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int? BosId { get; }

    /// <inheritdoc />
    public int EosId { get; }

    /// <inheritdoc />
    public int PadId { get; }

    /// <summary>
    /// The added tokens marked <c>special: true</c> (turn markers, BOS/EOS): single ids in template markup,
    /// plain text in message content.
    /// </summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>
    /// Every added token, special or not; the non-special ones (Qwen's <c>&lt;tool_call&gt;</c>, <c>&lt;think&gt;</c>)
    /// are single ids in any text, as the model generates them.
    /// </summary>
    public IReadOnlyDictionary<string, int> AddedTokens { get; }

    /// <summary>
    /// Loads <c>tokenizer.json</c> from <paramref name="path"/> (the file or its folder); the special-token
    /// names come from <c>tokenizer_config.json</c> beside it when there is one.
    /// </summary>
    /// <exception cref="FileNotFoundException">No tokenizer.json there.</exception>
    /// <exception cref="NotSupportedException">The file describes a tokenizer this reader cannot run.</exception>
    /// <exception cref="FormatException">The file is not valid tokenizer JSON.</exception>
    public static HuggingFaceTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"no tokenizer.json at '{path}'", file);
        }

        var configFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "tokenizer_config.json");
        return FromJson(File.ReadAllText(file), File.Exists(configFile) ? File.ReadAllText(configFile) : null);
    }

    /// <summary>Builds a tokenizer from the text of a <c>tokenizer.json</c> and, optionally, of a <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="NotSupportedException">The file describes a tokenizer this reader cannot run.</exception>
    /// <exception cref="FormatException">The text is not valid tokenizer JSON.</exception>
    public static HuggingFaceTokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        JsonObject root, model;
        try
        {
            root = JsonNode.Parse(tokenizerJson)?.AsObject() ?? throw new FormatException("tokenizer.json is empty");
            model = root["model"]?.AsObject() ?? throw new FormatException("tokenizer.json has no \"model\"");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException($"tokenizer.json is not valid: {ex.Message}", ex);
        }

        var type = (string?)model["type"];
        if (type is not null && type != "BPE")
        {
            throw new NotSupportedException($"tokenizer.json has a {type} model; only BPE models are supported");
        }

        if (model["byte_fallback"]?.GetValue<bool>() == true)
        {
            throw new NotSupportedException("tokenizer.json uses byte fallback (a SentencePiece-style BPE such as Llama 2's); only byte-level BPE is supported");
        }

        var vocabulary = model["vocab"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<int>(), StringComparer.Ordinal)
            ?? throw new FormatException("tokenizer.json has no model vocab");
        var merges = (model["merges"]?.AsArray() ?? []).Select(MergeLine).ToList();

        var added = new List<(string Content, int Id, bool Special)>();
        foreach (var token in root["added_tokens"]?.AsArray() ?? [])
        {
            // Hugging Face matches every added token atomically, special or not (e.g. Qwen's <think>).
            added.Add(((string)token!["content"]!, (int)token["id"]!, token["special"]?.GetValue<bool>() ?? false));
        }

        var specialTokens = added.GroupBy(a => a.Content).ToDictionary(g => g.Key, g => g.Last().Id, StringComparer.Ordinal);

        var (pattern, byteLevel, addPrefixSpace) = ReadPreTokenizer(root["pre_tokenizer"]);
        byteLevel |= (string?)root["decoder"]?["type"] == "ByteLevel";
        var normalizations = new List<NormalizationForm>();
        var lowercase = false;
        ReadNormalizer(root["normalizer"], normalizations, ref lowercase);

        var regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        BpeTokenizer Create(Dictionary<string, int>? specials, bool preTokenize = true) => BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(preTokenize ? regex : WholeText, specials),
            ByteLevel = byteLevel,
            UnknownToken = (string?)model["unk_token"],
            ContinuingSubwordPrefix = (string?)model["continuing_subword_prefix"],
            EndOfWordSuffix = (string?)model["end_of_word_suffix"],
            FuseUnknownTokens = model["fuse_unk"]?.GetValue<bool>() ?? false,
        });
        var bpe = Create(specialTokens);
        var vocabSize = vocabulary.Values.Concat(specialTokens.Values).Max() + 1;

        var config = tokenizerConfigJson is null ? null : JsonNode.Parse(tokenizerConfigJson)?.AsObject();
        int? Lookup(string? token) =>
            token is null ? null
            : specialTokens.TryGetValue(token, out var id) || vocabulary.TryGetValue(token, out id) ? id
            : throw new FormatException($"tokenizer_config.json names the token '{token}', which is not in tokenizer.json");
        var bosId = Lookup(TokenName(config?["bos_token"]));
        var eosId = Lookup(TokenName(config?["eos_token"]))
            ?? EosCandidates.Where(specialTokens.ContainsKey).Select(t => (int?)specialTokens[t]).FirstOrDefault()
            ?? throw new NotSupportedException(
                "cannot tell the end-of-sequence token: give a tokenizer_config.json with eos_token, or add one of "
                + string.Join(", ", EosCandidates) + " to the added tokens");
        var padId = Lookup(TokenName(config?["pad_token"])) ?? eosId;
        // ignore_merges (Llama 3): a pre-tokenized piece that is a whole vocabulary entry is that entry's id,
        // whatever the merges would make of it.
        var ignoreMerges = model["ignore_merges"]?.GetValue<bool>() == true ? (Create(null, preTokenize: false), regex) : ((BpeTokenizer, Regex)?)null;
        return new HuggingFaceTokenizer(bpe, Create(null), ignoreMerges, vocabulary, byteLevel, added, vocabSize, [.. normalizations], lowercase, addPrefixSpace, bosId, eosId, padId);
    }

    /// <inheritdoc />
    public int[] Encode(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var form in _normalizations)
        {
            text = text.Normalize(form);
        }

        if (_lowercase)
        {
            text = text.ToLowerInvariant();
        }

        if (_addPrefixSpace && text.Length > 0 && text[0] != ' ')
        {
            text = " " + text;
        }

        var splitter = parseSpecialTokens ? _allAdded : _nonSpecialAdded;
        if (splitter is null)
        {
            return EncodePlain(text);
        }

        var ids = new List<int>(text.Length / 3 + 4);
        var start = 0;
        foreach (Match match in splitter.Matches(text))
        {
            if (match.Index > start)
            {
                ids.AddRange(EncodePlain(text[start..match.Index]));
            }

            ids.Add(_added[match.Value]);
            start = match.Index + match.Length;
        }

        if (start < text.Length)
        {
            ids.AddRange(EncodePlain(text[start..]));
        }

        return [.. ids];
    }

    // Text with no added token in it.
    private int[] EncodePlain(string text)
    {
        if (_piece is null)
        {
            return [.. _plain.EncodeToIds(text)];
        }

        var ids = new List<int>(text.Length / 3 + 4);
        foreach (Match piece in _pieceSplitter!.Matches(text))
        {
            if (_vocabulary.TryGetValue(_byteLevel ? ByteLevel(piece.Value) : piece.Value, out var whole))
            {
                ids.Add(whole);
            }
            else
            {
                ids.AddRange(_piece.EncodeToIds(piece.Value));
            }
        }

        return [.. ids];
    }

    // GPT-2's byte-to-character map: a byte-level vocabulary spells each UTF-8 byte as one printable character.
    private static readonly char[] ByteChars = BuildByteChars();

    private static char[] BuildByteChars()
    {
        var chars = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            chars[b] = printable ? (char)b : (char)next++;
        }

        return chars;
    }

    private static string ByteLevel(string piece)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteChars[bytes[i]];
        }

        return new string(chars);
    }

    private static Regex? AlternationOf(IEnumerable<string> tokens)
    {
        // Longest first, so a token that is a prefix of another never wins over it.
        var alternatives = tokens.Distinct(StringComparer.Ordinal).OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).Select(Regex.Escape).ToList();
        return alternatives.Count == 0 ? null : new Regex(string.Join("|", alternatives), RegexOptions.CultureInvariant);
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _bpe.Decode(ids, considerSpecialTokens: true);
    }

    private static string MergeLine(JsonNode? merge) => merge switch
    {
        // Older files write "a b"; newer ones write ["a", "b"] (which lets tokens hold spaces).
        JsonValue value => (string)value!,
        JsonArray pair when pair.Count == 2 => (string)pair[0]! + " " + (string)pair[1]!,
        _ => throw new FormatException($"unreadable merge entry: {merge?.ToJsonString()}"),
    };

    private static string? TokenName(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value => (string?)value,
        JsonObject added => (string?)added["content"],
        _ => null,
    };

    private static (string Pattern, bool ByteLevel, bool AddPrefixSpace) ReadPreTokenizer(JsonNode? node)
    {
        string? pattern = null;
        bool byteLevel = false, addPrefixSpace = false;
        void Visit(JsonNode part)
        {
            var type = (string?)part["type"];
            switch (type)
            {
                case "Sequence":
                    foreach (var inner in part["pretokenizers"]?.AsArray() ?? [])
                    {
                        Visit(inner!);
                    }

                    break;
                case "ByteLevel":
                    byteLevel = true;
                    addPrefixSpace = part["add_prefix_space"]?.GetValue<bool>() ?? false;
                    if (part["use_regex"]?.GetValue<bool>() ?? true)
                    {
                        SetPattern(Gpt2Pattern);
                    }

                    break;
                case "Split":
                    var behavior = (string?)part["behavior"];
                    if (behavior is not null and not "Isolated" || part["invert"]?.GetValue<bool>() == true)
                    {
                        throw new NotSupportedException($"tokenizer.json's pre-tokenizer uses Split with behavior {behavior}{(part["invert"]?.GetValue<bool>() == true ? " and invert true" : "")} (as GPT-4o's file does); Gym's tokenizer supports only Split with behavior Isolated and invert false");
                    }

                    var regex = (string?)part["pattern"]?["Regex"];
                    SetPattern(regex ?? Regex.Escape((string?)part["pattern"]?["String"] ?? throw new FormatException("a Split pre-tokenizer has no pattern")));
                    break;
                case "Whitespace":
                    SetPattern(WhitespacePattern);
                    break;
                case "WhitespaceSplit":
                    SetPattern(@"\S+");
                    break;
                default:
                    throw new NotSupportedException($"tokenizer.json uses the {type} pre-tokenizer; supported: ByteLevel, Split (Isolated), Whitespace, WhitespaceSplit, Sequence of these");
            }
        }

        void SetPattern(string value)
        {
            if (pattern is not null && pattern != value)
            {
                throw new NotSupportedException("tokenizer.json splits the text with two different regexes in sequence; only one is supported");
            }

            pattern = value;
        }

        if (node is not null)
        {
            Visit(node);
        }

        // Without a splitting regex the whole text is one piece.
        return (pattern ?? @"[\s\S]+", byteLevel, addPrefixSpace);
    }

    private static void ReadNormalizer(JsonNode? node, List<NormalizationForm> forms, ref bool lowercase)
    {
        var type = (string?)node?["type"];
        switch (type)
        {
            case null:
                return;
            case "Sequence":
                foreach (var inner in node!["normalizers"]?.AsArray() ?? [])
                {
                    ReadNormalizer(inner, forms, ref lowercase);
                }

                return;
            case "NFC":
                forms.Add(NormalizationForm.FormC);
                return;
            case "NFD":
                forms.Add(NormalizationForm.FormD);
                return;
            case "NFKC":
                forms.Add(NormalizationForm.FormKC);
                return;
            case "NFKD":
                forms.Add(NormalizationForm.FormKD);
                return;
            case "Lowercase":
                lowercase = true;
                return;
            default:
                throw new NotSupportedException($"tokenizer.json uses the {type} normalizer; supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence of these");
        }
    }
}
