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

    // Looked for, in this order, when no tokenizer_config.json names the end-of-sequence token.
    private static readonly string[] EosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|eot_id|>", "<|im_end|>", "<eos>"];

    private readonly BpeTokenizer _bpe;

    // The same vocabulary with no special tokens, for text whose markers must stay plain text; built on first use.
    private readonly Lazy<BpeTokenizer> _plain;
    private readonly NormalizationForm[] _normalizations;
    private readonly bool _lowercase;
    private readonly bool _addPrefixSpace;

    private HuggingFaceTokenizer(
        BpeTokenizer bpe,
        Func<BpeTokenizer> plain,
        IReadOnlyDictionary<string, int> specialTokens,
        int vocabSize,
        NormalizationForm[] normalizations,
        bool lowercase,
        bool addPrefixSpace,
        int? bosId,
        int eosId,
        int padId)
    {
        _bpe = bpe;
        _plain = new Lazy<BpeTokenizer>(plain);
        SpecialTokens = specialTokens;
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

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

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

        var specialTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var added in root["added_tokens"]?.AsArray() ?? [])
        {
            // Hugging Face matches every added token atomically, special or not (e.g. Qwen's <think>).
            specialTokens[(string)added!["content"]!] = (int)added["id"]!;
        }

        var (pattern, byteLevel, addPrefixSpace) = ReadPreTokenizer(root["pre_tokenizer"]);
        byteLevel |= (string?)root["decoder"]?["type"] == "ByteLevel";
        var normalizations = new List<NormalizationForm>();
        var lowercase = false;
        ReadNormalizer(root["normalizer"], normalizations, ref lowercase);

        var regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        BpeTokenizer Create(Dictionary<string, int>? specials) => BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(regex, specials),
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
        return new HuggingFaceTokenizer(bpe, () => Create(null), specialTokens, vocabSize, [.. normalizations], lowercase, addPrefixSpace, bosId, eosId, padId);
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

        return [.. (parseSpecialTokens ? _bpe : _plain.Value).EncodeToIds(text)];
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
                        throw new NotSupportedException($"tokenizer.json splits with behavior {behavior} (invert {part["invert"]}); only Isolated splits are supported");
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
