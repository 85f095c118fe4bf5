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

    [Fact]
    public void Tool_call_blocks_become_tool_calls_when_the_request_asked_for_them()
    {
        var text = "<think>two lookups</think>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"café\",\"k\":3}}\n</tool_call>\n<tool_call>\n{\"name\": \"lookup\", \"arguments\": \"{\\\"id\\\": 1}\"}\n</tool_call>";

        var completion = ChatCompletion.From(Sequence(text, endOfTurn: true, FinishReason.Stop), Template, [], promptTokens: 3, toolCallTurn: 2);

        completion.Text.Should().Be("<think>two lookups</think>\n");
        completion.FinishReason.Should().Be("tool_calls");
        completion.ToolCalls.Should().Equal(
            new Core.Parsing.ChatToolCall("call_2_0", "search", "{\"query\": \"café\", \"k\": 3}"),
            new Core.Parsing.ChatToolCall("call_2_1", "lookup", "{\"id\": 1}"));
        completion.Tokens.Should().HaveCount(Encoding.UTF8.GetByteCount(text) + 1, "the tokens are all that was generated");

        using var document = JsonDocument.Parse(completion.ToJson("chatcmpl-1", "tiny", 0, withLogProbs: false));
        var choice = document.RootElement.GetProperty("choices")[0];
        choice.GetProperty("finish_reason").GetString().Should().Be("tool_calls");
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        call.GetProperty("id").GetString().Should().Be("call_2_0");
        call.GetProperty("type").GetString().Should().Be("function");
        call.GetProperty("function").GetProperty("arguments").GetString().Should().Be("{\"query\": \"café\", \"k\": 3}");
    }

    [Theory]
    [InlineData("<tool_call>{\"name\": \"search\", \"arguments\": {}}", "an unclosed last block runs to the end")]
    [InlineData("<tool_call>\n{\"name\": \"search\"}\n</tool_call>", "arguments may be left out")]
    public void Lenient_blocks_are_read_as_vllm_reads_them(string text, string because)
    {
        var completion = ChatCompletion.From(Sequence(text, endOfTurn: false, FinishReason.Length), Template, [], promptTokens: 3, toolCallTurn: 0);

        completion.ToolCalls.Should().Equal([new Core.Parsing.ChatToolCall("call_0_0", "search", "{}")], because);
        completion.Text.Should().BeEmpty();
        completion.FinishReason.Should().Be("tool_calls");
    }

    [Theory]
    [InlineData("<tool_call>not json</tool_call>")]
    [InlineData("<tool_call>{\"arguments\": {}}</tool_call>")]
    [InlineData("<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call><tool_call>[1]</tool_call>")]
    [InlineData("plain text")]
    public void Text_without_readable_calls_stays_content(string text)
    {
        var completion = ChatCompletion.From(Sequence(text, endOfTurn: true, FinishReason.Stop), Template, [], promptTokens: 3, toolCallTurn: 0);

        completion.Text.Should().Be(text);
        completion.ToolCalls.Should().BeNull();
        completion.FinishReason.Should().Be("stop");
    }

    [Fact]
    public void Without_tools_in_the_request_tool_call_text_stays_content()
    {
        const string text = "<tool_call>{\"name\": \"search\", \"arguments\": {}}</tool_call>";

        var completion = ChatCompletion.From(Sequence(text, endOfTurn: true, FinishReason.Stop), Template, [], promptTokens: 3);

        completion.Text.Should().Be(text);
        completion.ToolCalls.Should().BeNull();
        using var document = JsonDocument.Parse(completion.ToJson("c", "m", 0, false));
        document.RootElement.GetProperty("choices")[0].GetProperty("message").TryGetProperty("tool_calls", out _).Should().BeFalse();
    }
}
