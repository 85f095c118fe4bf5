using System.Text.Json.Nodes;
using FluentAssertions;
using Gym.Learning.Tokenization;
using Xunit;

namespace Gym.Learning.Tests.Tokenization;

/// <summary>
/// The real Qwen2.5, Qwen3 and Llama 3 tokenizer.json files against their reference encodings
/// (transformers.js, Fixtures/Tokenizers/encodings.json from tools/golden/render-templates.mjs).
/// </summary>
public sealed class RealTokenizerTests
{
    public static TheoryData<string, int> Encodings()
    {
        var data = new TheoryData<string, int>();
        var all = Reference();
        for (var i = 0; i < all.Count; i++)
        {
            data.Add((string)all[i]!["tokenizer"]!, i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Encoding_with_added_tokens_parsed_matches_the_reference(string model, int index)
    {
        var reference = Reference()[index]!;

        RealTokenizers.Get(model).Encode((string)reference["text"]!, parseSpecialTokens: true)
            .Should().Equal(reference["ids"]!.AsArray().Select(id => (int)id!), "text: {0}", (string)reference["text"]!);
    }

    [Fact]
    public void Llama3_ignore_merges_takes_a_whole_vocabulary_piece()
    {
        // " İslam" is one entry of Llama 3's vocabulary; its merges alone would split it.
        RealTokenizers.Get("llama3").Encode(" İslam").Should().Equal(114848);
    }

    [Fact]
    public void Non_special_added_tokens_are_single_ids_in_content_and_special_ones_are_not()
    {
        var qwen = RealTokenizers.Get("qwen3");

        qwen.Encode("<tool_call>x</tool_call>", parseSpecialTokens: false).Should().StartWith([151657]).And.EndWith([151658]);
        qwen.Encode("<think>", parseSpecialTokens: false).Should().Equal(151667);
        qwen.Encode("<|im_start|>", parseSpecialTokens: false).Should().NotContain(151644).And.HaveCountGreaterThan(1);
        qwen.Encode("<|im_start|>", parseSpecialTokens: true).Should().Equal(151644);
        qwen.SpecialTokens.Should().ContainKey("<|im_start|>").And.NotContainKey("<tool_call>");
        qwen.AddedTokens.Should().ContainKey("<tool_call>");
    }

    [Fact]
    public void A_split_with_behavior_removed_and_invert_is_refused_naming_the_feature()
    {
        var json = new JsonObject
        {
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = new JsonObject { ["a"] = 0 }, ["merges"] = new JsonArray() },
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 1, ["content"] = "<|endoftext|>", ["special"] = true }),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "a" }, ["behavior"] = "Removed", ["invert"] = true },
        }.ToJsonString();

        var act = () => HuggingFaceTokenizer.FromJson(json);

        act.Should().Throw<NotSupportedException>().WithMessage("*Split with behavior Removed and invert true*only Split with behavior Isolated*");
    }

    private static JsonArray Reference() =>
        JsonNode.Parse(File.ReadAllText(RealTokenizers.FixturePath("Tokenizers", "encodings.json")))!["encodings"]!.AsArray();
}
