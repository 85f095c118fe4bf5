using System.Text;
using System.Text.Json;
using FluentAssertions;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;
using Xunit;

namespace Gym.PolicyServing.Tests;

public sealed class ChatCompletionTests
{
    private static readonly ChatTemplate Template = new(ByteTokenizer.Instance);

    private static GeneratedSequence Sequence(string text, bool endOfTurn, FinishReason finish)
    {
        var ids = ByteTokenizer.Instance.Encode(text, parseSpecialTokens: false).ToList();
        if (endOfTurn)
        {
            ids.Add(Template.TurnEndId);
        }

        return new GeneratedSequence(ids, [.. ids.Select((_, i) => -0.5f - i)], finish);
    }

    [Fact]
    public void The_end_of_turn_marker_is_left_out_of_the_text_but_kept_in_the_tokens()
    {
        var completion = ChatCompletion.From(Sequence("<answer>5</answer>", endOfTurn: true, FinishReason.Stop), Template, [], promptTokens: 30);

        completion.Text.Should().Be("<answer>5</answer>");
        completion.FinishReason.Should().Be("stop");
        completion.Tokens.Should().HaveCount(19);
        completion.Tokens[^1].Token.Should().Be("<|im_end|>");
        completion.Tokens[0].Should().BeEquivalentTo(new TokenLogProb("<", -0.5f, [(byte)'<']));
    }

    [Fact]
    public void A_stop_sequence_cuts_the_text_before_it_and_the_tokens_after_it()
    {
        var completion = ChatCompletion.From(Sequence("ab</answer>cd</answer>", endOfTurn: true, FinishReason.Stop), Template, ["zz", "</answer>"], promptTokens: 5);

        completion.Text.Should().Be("ab");
        completion.FinishReason.Should().Be("stop");
        completion.Tokens.Select(t => t.Token).Should().Equal("a", "b", "<", "/", "a", "n", "s", "w", "e", "r", ">");
    }

    [Fact]
    public void The_earliest_of_several_stop_sequences_wins()
    {
        var completion = ChatCompletion.From(Sequence("one\ntwo END", endOfTurn: false, FinishReason.Length), Template, ["END", "\n"], promptTokens: 5);

        completion.Text.Should().Be("one");
        completion.FinishReason.Should().Be("stop", "a stop sequence ended it, not the budget");
        completion.Tokens.Should().HaveCount(4);
    }

    [Fact]
    public void A_multi_byte_character_is_reported_byte_by_byte()
    {
        var completion = ChatCompletion.From(Sequence("é", endOfTurn: false, FinishReason.Length), Template, [], promptTokens: 1);

        completion.Text.Should().Be("é");
        completion.FinishReason.Should().Be("length");
        completion.Tokens.Select(t => t.Bytes.Single()).Should().Equal(Encoding.UTF8.GetBytes("é"));
    }

    [Fact]
    public void The_json_has_the_openai_shape()
    {
        var completion = ChatCompletion.From(Sequence("it's \"5\"", endOfTurn: true, FinishReason.Stop), Template, [], promptTokens: 7);

        using var document = JsonDocument.Parse(completion.ToJson("chatcmpl-1", "tiny", 1700000000, withLogProbs: true));
        var root = document.RootElement;
        root.GetProperty("created").GetInt64().Should().Be(1700000000);
        var choice = root.GetProperty("choices")[0];
        choice.GetProperty("message").GetProperty("content").GetString().Should().Be("it's \"5\"");
        choice.GetProperty("logprobs").GetProperty("content").GetArrayLength().Should().Be(9);
        root.GetProperty("usage").GetProperty("total_tokens").GetInt32().Should().Be(16);
        Encoding.UTF8.GetString(completion.ToJson("c", "m", 0, false)).Should().Contain("it's", "apostrophes stay readable");
    }
}
