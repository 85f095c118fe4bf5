using System.Text.Json.Nodes;
using FluentAssertions;
using Gym.Learning.Tokenization;
using Xunit;

namespace Gym.Learning.Tests.Tokenization;

public sealed class HuggingFaceTokenizerTests : IDisposable
{
    // The Qwen2 pre-tokenizer regex, as its tokenizer.json writes it.
    private const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gym-tokenizer-tests-" + Guid.NewGuid().ToString("N"));

    public HuggingFaceTokenizerTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_byte_level_bpe_tokenizer_json_encodes_with_its_merges_and_special_tokens()
    {
        var tokenizer = HuggingFaceTokenizer.FromJson(TinyTokenizerJson(arrayMerges: false));

        // " the" merges Ġ+t, h+e, then Ġt+he; "the" at the start has no Ġ, so it stops at t + he.
        tokenizer.Encode("the the").Should().Equal(Id('t'), 257, 258);
        tokenizer.Encode(" the<|endoftext|>").Should().Equal(258, 300);
        tokenizer.Encode("<|im_start|>hi").Should().Equal(301, Id('h'), Id('i'));
        tokenizer.EosId.Should().Be(300);
        tokenizer.PadId.Should().Be(300);
        tokenizer.BosId.Should().BeNull();
        tokenizer.VocabSize.Should().Be(302);
        tokenizer.SpecialTokens.Should().ContainKey("<|im_start|>");
    }

    [Fact]
    public void Special_token_strings_stay_plain_text_when_not_parsed()
    {
        var tokenizer = HuggingFaceTokenizer.FromJson(TinyTokenizerJson(arrayMerges: false));

        var ids = tokenizer.Encode(" the<|endoftext|>", parseSpecialTokens: false);

        ids.Should().StartWith([258]).And.NotContain(300).And.HaveCountGreaterThan(5);
        tokenizer.Decode(ids).Should().Be(" the<|endoftext|>");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Text_round_trips_through_bytes_the_vocabulary_has_no_merges_for(bool arrayMerges)
    {
        var tokenizer = HuggingFaceTokenizer.FromJson(TinyTokenizerJson(arrayMerges));
        const string text = "the café, 日本 🙂\n<|im_start|>assistant";

        tokenizer.Decode(tokenizer.Encode(text)).Should().Be(text);
    }

    [Fact]
    public void Load_reads_the_special_token_names_from_tokenizer_config_json()
    {
        File.WriteAllText(Path.Combine(_directory, "tokenizer.json"), TinyTokenizerJson(arrayMerges: true));
        File.WriteAllText(Path.Combine(_directory, "tokenizer_config.json"), """
            {"bos_token": null, "eos_token": "<|im_start|>", "pad_token": {"content": "<|endoftext|>"}}
            """);

        var tokenizer = HuggingFaceTokenizer.Load(_directory);

        tokenizer.EosId.Should().Be(301);
        tokenizer.PadId.Should().Be(300);
    }

    [Fact]
    public void Unsupported_files_are_refused_with_the_reason()
    {
        var json = JsonNode.Parse(TinyTokenizerJson(arrayMerges: false))!;
        json["model"]!["byte_fallback"] = true;
        var byteFallback = () => HuggingFaceTokenizer.FromJson(json.ToJsonString());
        var unigram = () => HuggingFaceTokenizer.FromJson("""{"model": {"type": "Unigram"}}""");
        var missing = () => HuggingFaceTokenizer.Load(Path.Combine(_directory, "nowhere"));

        byteFallback.Should().Throw<NotSupportedException>().WithMessage("*byte fallback*");
        unigram.Should().Throw<NotSupportedException>().WithMessage("*Unigram*only BPE*");
        missing.Should().Throw<FileNotFoundException>();
    }

    private static int Id(char c) => ByteLevelAlphabet().IndexOf(c);

    /// <summary>
    /// A Qwen2-shaped tokenizer.json: the 256 byte-level symbols (ids 0-255), three merges, an end-of-text
    /// token and a chat token.
    /// </summary>
    private static string TinyTokenizerJson(bool arrayMerges)
    {
        var alphabet = ByteLevelAlphabet();
        var vocab = new JsonObject();
        for (var i = 0; i < alphabet.Count; i++)
        {
            vocab[alphabet[i].ToString()] = i;
        }

        vocab["Ġt"] = 256;
        vocab["he"] = 257;
        vocab["Ġthe"] = 258;
        string[][] merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"]];
        var mergeNodes = new JsonArray([.. merges.Select(m => arrayMerges ? (JsonNode)new JsonArray(m[0], m[1]) : JsonValue.Create(m[0] + " " + m[1]))]);
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 300, ["content"] = "<|endoftext|>", ["special"] = true },
                new JsonObject { ["id"] = 301, ["content"] = "<|im_start|>", ["special"] = true }),
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Qwen2Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = mergeNodes,
            },
        };
        return root.ToJsonString();
    }

    /// <summary>GPT-2's byte-to-symbol table: printable bytes stand for themselves, the rest map above U+0100.</summary>
    private static List<char> ByteLevelAlphabet()
    {
        var symbols = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = printable ? (char)b : (char)next++;
        }

        return [.. symbols];
    }
}
