using System.Text.Json;
using FluentAssertions;
using Gym.Core.Parsing;
using Xunit;

namespace Gym.Core.Tests.Parsing;

public sealed class JsonToolCallActionParserTests
{
    private readonly JsonToolCallActionParser _parser = new();

    private ParsedAction ShouldBeInvalid(string text, params string[] fragments)
    {
        var parsed = _parser.Parse(text);
        parsed.IsValid.Should().BeFalse($"'{text}' is malformed");
        parsed.IsAnswer.Should().BeFalse();
        parsed.ToolCalls.Should().BeEmpty();
        parsed.Answer.Should().BeNull();
        parsed.Error.Should().NotBeNull();
        foreach (var fragment in fragments)
        {
            parsed.Error.Should().Contain(fragment);
        }

        parsed.Error.Should().EndWith(_parser.FormatInstructions, "every error repeats the expected format");
        return parsed;
    }

    [Fact]
    public void Reads_a_single_tool_call_with_its_name_and_arguments()
    {
        var parsed = _parser.Parse("""<tool_call>{"name": "calculator", "arguments": {"expression": "2 + 3"}}</tool_call>""");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.Error.Should().BeNull();
        parsed.IsAnswer.Should().BeFalse();
        parsed.Thought.Should().BeNull();
        parsed.ToolCalls.Should().ContainSingle();
        parsed.ToolCalls[0].Name.Should().Be("calculator");
        parsed.ToolCalls[0].Arguments.GetProperty("expression").GetString().Should().Be("2 + 3");
        parsed.Segments.Should().ContainSingle().Which.Tag.Should().Be("tool_call");
    }

    [Fact]
    public void Reads_several_tool_calls_in_order_with_the_thought()
    {
        var parsed = _parser.Parse("""
            <think>two lookups</think>
            <tool_call>{"name": "search", "arguments": {"query": "first"}}</tool_call>
            then
            <tool_call>{"name": "calculator", "arguments": {"expression": "1+1"}}</tool_call>
            """);

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.Thought.Should().Be("two lookups");
        parsed.ToolCalls.Select(c => c.Name).Should().Equal("search", "calculator");
        parsed.ToolCalls[0].ArgumentsJson.Should().Be("""{"query": "first"}""");
        parsed.Segments.Select(s => s.Tag).Should().Equal("think", "tool_call", "tool_call");
    }

    [Fact]
    public void Reads_an_answer_trimmed_with_its_thought()
    {
        var parsed = _parser.Parse("<think> all done </think>\n<answer>  4,829 \n</answer>");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.IsAnswer.Should().BeTrue();
        parsed.Answer.Should().Be("4,829");
        parsed.Thought.Should().Be("all done");
        parsed.ToolCalls.Should().BeEmpty();
    }

    [Fact]
    public void Records_where_each_segment_starts_and_its_attributes()
    {
        var parsed = _parser.Parse("ok <answer kind='final' id=\"7\">5</answer>");

        var segment = parsed.Segments.Should().ContainSingle().Subject;
        segment.Start.Should().Be(3);
        segment.Attributes.Should().BeEquivalentTo(new Dictionary<string, string> { ["kind"] = "final", ["id"] = "7" });
        parsed.Answer.Should().Be("5");
    }

    [Fact]
    public void Matches_known_tags_case_insensitively()
    {
        var parsed = _parser.Parse("<THINK>x</THINK><Answer>12</Answer>");

        parsed.IsAnswer.Should().BeTrue(parsed.Error);
        parsed.Answer.Should().Be("12");
        parsed.Thought.Should().Be("x");
    }

    [Fact]
    public void Ignores_unknown_tags_and_angle_brackets_as_plain_text()
    {
        var parsed = _parser.Parse("Since 3 < 4 and <b>bold</b> <tool name=\"calculator\">1+1</tool> <search>q</search>: <answer>7</answer>");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.Answer.Should().Be("7");
        parsed.Segments.Should().ContainSingle("only <answer> is a tag this format knows");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    public void Rejects_an_empty_action(string text) => ShouldBeInvalid(text, "the action is empty");

    [Fact]
    public void Rejects_plain_text_that_neither_calls_nor_answers() =>
        ShouldBeInvalid("The answer is 42.", "neither calls a tool nor answers");

    [Fact]
    public void Rejects_a_thought_alone() =>
        ShouldBeInvalid("<think>hmm</think>", "neither calls a tool nor answers");

    [Fact]
    public void Rejects_an_unclosed_tag_naming_it_and_its_position() =>
        ShouldBeInvalid("ok <answer>42", "<answer> at character 4 is never closed with </answer>");

    [Fact]
    public void Rejects_nested_known_tags() =>
        ShouldBeInvalid("<answer><think>x</think>1</answer>", "<think> at character 9 is inside <answer> (opened at character 1)", "tags do not nest");

    [Fact]
    public void Rejects_a_stray_closing_tag() =>
        ShouldBeInvalid("42</answer>", "</answer> at character 3 closes a tag that was never opened");

    [Fact]
    public void Rejects_a_closing_tag_that_does_not_match_the_open_one() =>
        ShouldBeInvalid("<answer>42</think>", "</think> at character 11 does not match <answer> opened at character 1");

    [Fact]
    public void Keeps_the_segments_found_before_a_structural_error()
    {
        var parsed = ShouldBeInvalid("<think>a</think><answer>1", "never closed");

        parsed.Segments.Should().ContainSingle().Which.Tag.Should().Be("think");
    }

    [Fact]
    public void Rejects_both_an_answer_and_a_tool_call() =>
        ShouldBeInvalid("""<answer>1</answer><tool_call>{"name": "x", "arguments": {}}</tool_call>""", "both answers and calls a tool");

    [Theory]
    [InlineData("<answer></answer>")]
    [InlineData("<answer>  \n </answer>")]
    public void Rejects_an_empty_answer(string text) => ShouldBeInvalid(text, "the <answer> block is empty");

    [Fact]
    public void Rejects_two_answers() => ShouldBeInvalid("<answer>1</answer><answer>2</answer>", "found 2 <answer> blocks; give exactly one");

    [Fact]
    public void Rejects_two_thoughts() => ShouldBeInvalid("<think>a</think><think>b</think><answer>1</answer>", "found 2 <think> blocks; write at most one");

    [Fact]
    public void Rejects_a_tool_call_that_is_not_json() =>
        ShouldBeInvalid("x <tool_call>{not json}</tool_call>", "the <tool_call> at character 3 is not valid JSON (");

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"calculator\"")]
    [InlineData("42")]
    public void Rejects_a_tool_call_that_is_not_a_json_object(string json) =>
        ShouldBeInvalid($"<tool_call>{json}</tool_call>", "must be a JSON object with \"name\" and \"arguments\"");

    [Theory]
    [InlineData("""{"arguments": {}}""")]
    [InlineData("""{"name": 3, "arguments": {}}""")]
    [InlineData("""{"name": "  ", "arguments": {}}""")]
    [InlineData("""{"name": null}""")]
    public void Rejects_a_tool_call_without_a_string_name(string json) =>
        ShouldBeInvalid($"<tool_call>{json}</tool_call>", "the <tool_call> at character 1 has no string \"name\"");

    [Theory]
    [InlineData("""{"name": "calculator", "arguments": [1]}""")]
    [InlineData("""{"name": "calculator", "arguments": 2}""")]
    [InlineData("""{"name": "calculator", "arguments": "not json"}""")]
    [InlineData("""{"name": "calculator", "arguments": "[1, 2]"}""")]
    public void Rejects_arguments_that_are_not_an_object(string json) =>
        ShouldBeInvalid($"<tool_call>{json}</tool_call>", "the \"arguments\" of the <tool_call> at character 1 must be a JSON object");

    [Fact]
    public void Accepts_string_encoded_arguments_as_openai_sends_them()
    {
        var parsed = _parser.Parse("""<tool_call>{"name": "calculator", "arguments": "{\"expression\": \"6 * 7\"}"}</tool_call>""");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        var arguments = parsed.ToolCalls.Should().ContainSingle().Subject.Arguments;
        arguments.ValueKind.Should().Be(JsonValueKind.Object);
        arguments.GetProperty("expression").GetString().Should().Be("6 * 7");
    }

    [Fact]
    public void Treats_missing_arguments_as_an_empty_object()
    {
        var parsed = _parser.Parse("""<tool_call>{"name": "clock"}</tool_call>""");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        var call = parsed.ToolCalls.Should().ContainSingle().Subject;
        call.Arguments.ValueKind.Should().Be(JsonValueKind.Object);
        call.ArgumentsJson.Should().Be("{}");
    }

    [Fact]
    public void Rejects_more_tool_calls_than_allowed_per_turn()
    {
        var call = """<tool_call>{"name": "a", "arguments": {}}</tool_call>""";

        ShouldBeInvalid(string.Concat(Enumerable.Repeat(call, 5)), "found 5 tool calls; at most 4 are allowed per turn");
        _parser.Parse(string.Concat(Enumerable.Repeat(call, 4))).ToolCalls.Should().HaveCount(4);

        var strict = new JsonToolCallActionParser(maxToolCallsPerTurn: 1);
        strict.MaxToolCallsPerTurn.Should().Be(1);
        strict.Parse(call + call).Error.Should().Contain("found 2 tool calls; at most 1 are allowed per turn");
        strict.Parse(call).IsValid.Should().BeTrue();
    }

    [Fact]
    public void Rejects_a_limit_below_one_tool_call_per_turn()
    {
        var create = () => new JsonToolCallActionParser(maxToolCallsPerTurn: 0);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Reports_the_first_bad_call_among_several()
    {
        var text = """<tool_call>{"name": "a", "arguments": {}}</tool_call> <tool_call>{"arguments": {}}</tool_call>""";

        ShouldBeInvalid(text, "the <tool_call> at character 55 has no string \"name\"");
    }

    [Theory]
    [InlineData("""<tool_call>{"name": "calculator", "arguments": {"expression": "1+1"}}</tool_call>""", ActionShape.ToolCalls)]
    [InlineData("""<think>x</think>\n<tool_call>{"name":"a"}</tool_call><tool_call>{"name":"b","arguments":"{\"q\": 1}"}</tool_call>""", ActionShape.ToolCalls)]
    [InlineData("""<tool_call>{"name": "a", "arguments": "not json"}</tool_call>""", ActionShape.Invalid)]
    [InlineData("""<tool_call>{"name": "a", "arguments": [1]}</tool_call>""", ActionShape.Invalid)]
    [InlineData("""<tool_call>{"name": " ", "arguments": {}}</tool_call>""", ActionShape.Invalid)]
    [InlineData("""<tool_call>{"name": "a", "arguments": {}</tool_call>""", ActionShape.Invalid)]
    [InlineData("""<tool_call>[]</tool_call>""", ActionShape.Invalid)]
    [InlineData("""<tool_call>{"name":"a"}</tool_call><tool_call>{"name":"a"}</tool_call><tool_call>{"name":"a"}</tool_call><tool_call>{"name":"a"}</tool_call><tool_call>{"name":"a"}</tool_call>""", ActionShape.Invalid)]
    [InlineData("<think>a</think><think>b</think><answer>1</answer>", ActionShape.Invalid)]
    [InlineData("<answer>42</answer>", ActionShape.Answer)]
    [InlineData("<answer> </answer>", ActionShape.Invalid)]
    [InlineData("<answer>1</answer><answer>2</answer>", ActionShape.Invalid)]
    [InlineData("""<answer>1</answer><tool_call>{"name":"a"}</tool_call>""", ActionShape.Invalid)]
    [InlineData("just text", ActionShape.Invalid)]
    [InlineData("  ", ActionShape.Invalid)]
    [InlineData("<think>[plan 1/3] x</think>\n<answer>5", ActionShape.Invalid)]
    public void Classify_says_what_parse_says(string text, ActionShape expected)
    {
        IActionParser parser = new JsonToolCallActionParser();
        var parsed = parser.Parse(text);

        parser.Classify(text).Should().Be(expected);
        (parsed.IsValid ? (parsed.IsAnswer ? ActionShape.Answer : ActionShape.ToolCalls) : ActionShape.Invalid).Should().Be(expected);
    }
}
