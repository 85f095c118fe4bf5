using System.Text.Json;
using FluentAssertions;
using Gym.Core.Parsing;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Parsing;

public sealed class XmlTagActionParserTests
{
    private static readonly ITool Calculator = DelegateTool.Echo("calculator", "expression");
    private static readonly ITool Search = DelegateTool.Echo("search", "query");
    private static readonly ITool Move = new DelegateTool(
        "move",
        """{"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"]}""",
        (_, _) => ValueTask.FromResult(ToolResult.Ok("moved")));

    private readonly XmlTagActionParser _parser = new([Calculator, Search, Move]);

    private ParsedAction ShouldBeInvalid(string text, params string[] fragments)
    {
        var parsed = _parser.Parse(text);
        parsed.IsValid.Should().BeFalse($"'{text}' is malformed");
        parsed.ToolCalls.Should().BeEmpty();
        parsed.Answer.Should().BeNull();
        foreach (var fragment in fragments)
        {
            parsed.Error.Should().Contain(fragment);
        }

        parsed.Error.Should().EndWith(_parser.FormatInstructions);
        return parsed;
    }

    private static string Argument(ToolCall call, string name) => call.Arguments.GetProperty(name).GetString()!;

    [Fact]
    public void Maps_plain_text_in_a_command_tag_to_the_single_required_parameter()
    {
        var parsed = _parser.Parse("<think>add</think><calculator> 2 + 3 </calculator>");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.Thought.Should().Be("add");
        var call = parsed.ToolCalls.Should().ContainSingle().Subject;
        call.Name.Should().Be("calculator");
        call.ArgumentsJson.Should().Be("""{"expression":"2 + 3"}""");
    }

    [Fact]
    public void Reads_json_arguments_in_a_command_tag()
    {
        var parsed = _parser.Parse("""<move>{"x": 1, "y": -2}</move>""");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        var call = parsed.ToolCalls.Should().ContainSingle().Subject;
        call.Name.Should().Be("move");
        call.Arguments.GetProperty("y").GetInt32().Should().Be(-2);
    }

    [Fact]
    public void Reads_the_generic_tool_tag_with_json_or_plain_text()
    {
        var json = _parser.Parse("""<tool name="calculator">{"expression": "7 * 6"}</tool>""");
        var plain = _parser.Parse("<tool name='search'>capital of France</tool>");

        json.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("calculator");
        Argument(json.ToolCalls[0], "expression").Should().Be("7 * 6");
        plain.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("search");
        Argument(plain.ToolCalls[0], "query").Should().Be("capital of France");
    }

    [Fact]
    public void Resolves_tool_names_case_insensitively_to_the_declared_name()
    {
        var tag = _parser.Parse("<Calculator>1+1</Calculator>");
        var plain = _parser.Parse("<tool name=\"CALCULATOR\">1+1</tool>");
        var json = _parser.Parse("""<tool name="Calculator">{"expression": "1+1"}</tool>""");

        tag.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("calculator");
        plain.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("calculator");
        json.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("calculator", "the toolbox looks names up exactly, so the parser must hand it the declared name");
    }

    [Fact]
    public void Reads_several_calls_in_order()
    {
        var parsed = _parser.Parse("<search>a</search> and <calculator>2*2</calculator><tool name=\"search\">b</tool>");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.ToolCalls.Select(c => c.Name).Should().Equal("search", "calculator", "search");
        parsed.ToolCalls.Select(c => c.ArgumentsJson).Should().Equal("""{"query":"a"}""", """{"expression":"2*2"}""", """{"query":"b"}""");
    }

    [Fact]
    public void Reads_an_answer()
    {
        var parsed = _parser.Parse("<think>done</think> <answer> 42 </answer>");

        parsed.IsAnswer.Should().BeTrue(parsed.Error);
        parsed.Answer.Should().Be("42");
        parsed.Thought.Should().Be("done");
    }

    [Fact]
    public void Treats_content_that_only_looks_like_json_as_plain_text()
    {
        var parsed = _parser.Parse("<calculator>{2 + 3} * 4</calculator>");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        Argument(parsed.ToolCalls[0], "expression").Should().Be("{2 + 3} * 4");
    }

    [Fact]
    public void Passes_unknown_tool_names_through_so_the_toolbox_can_list_the_real_ones()
    {
        var parsed = _parser.Parse("<tool name=\"weather\">Paris</tool>");

        parsed.IsValid.Should().BeTrue(parsed.Error);
        var call = parsed.ToolCalls.Should().ContainSingle().Subject;
        call.Name.Should().Be("weather");
        call.Arguments.ValueKind.Should().Be(JsonValueKind.Object);
    }

    [Fact]
    public void Ignores_unknown_tags_including_the_json_format_tag()
    {
        ShouldBeInvalid("""<tool_call>{"name": "calculator", "arguments": {"expression": "1"}}</tool_call>""", "neither calls a tool nor answers");

        var parsed = _parser.Parse("<weather>Paris</weather> <i>so</i> 2 < 3 <answer>5</answer>");
        parsed.IsAnswer.Should().BeTrue(parsed.Error);
        parsed.Segments.Should().ContainSingle();
    }

    [Theory]
    [InlineData("<tool>1+1</tool>")]
    [InlineData("<tool name=\"\">1+1</tool>")]
    [InlineData("<tool name='  '>1+1</tool>")]
    [InlineData("<tool title=\"calculator\">1+1</tool>")]
    public void Rejects_a_generic_tool_tag_without_a_name(string text) =>
        ShouldBeInvalid(text, "the <tool> at character 1 needs a name attribute");

    [Fact]
    public void Rejects_plain_text_for_a_tool_with_several_parameters() =>
        ShouldBeInvalid("<move>1, 2</move>", "tool 'move' takes several parameters; give them as a JSON object inside the tag");

    [Fact]
    public void Rejects_an_unclosed_command_tag() =>
        ShouldBeInvalid("<calculator>1+1", "<calculator> at character 1 is never closed with </calculator>");

    [Fact]
    public void Rejects_a_command_tag_nested_in_another() =>
        ShouldBeInvalid("<search><calculator>1</calculator></search>", "<calculator> at character 9 is inside <search>", "tags do not nest");

    [Fact]
    public void Rejects_a_stray_closing_command_tag() =>
        ShouldBeInvalid("1+1</calculator>", "</calculator> at character 4 closes a tag that was never opened");

    [Fact]
    public void Rejects_both_an_answer_and_a_command() =>
        ShouldBeInvalid("<calculator>1</calculator><answer>1</answer>", "both answers and calls a tool");

    [Fact]
    public void Rejects_an_empty_answer() => ShouldBeInvalid("<answer> </answer>", "the <answer> block is empty");

    [Fact]
    public void Rejects_more_calls_than_allowed()
    {
        var parser = new XmlTagActionParser([Calculator], maxToolCallsPerTurn: 2);

        parser.Parse("<calculator>1</calculator><calculator>2</calculator>").ToolCalls.Should().HaveCount(2);
        parser.Parse("<calculator>1</calculator><calculator>2</calculator><calculator>3</calculator>").Error
            .Should().Contain("found 3 tool calls; at most 2 are allowed per turn");
    }

    [Fact]
    public void Describes_the_format_with_the_first_tool_as_the_example()
    {
        _parser.FormatInstructions.Should().Contain("<calculator>input</calculator>").And.Contain("<tool name=\"calculator\">").And.Contain("<answer>");
        new XmlTagActionParser([]).FormatInstructions.Should().Contain("<TOOL>input</TOOL>");
    }

    [Fact]
    public void Is_what_the_factory_makes_for_the_xml_format()
    {
        ActionParsers.Create(ActionFormat.XmlTags, [Calculator]).Should().BeOfType<XmlTagActionParser>();
        ActionParsers.Create(ActionFormat.JsonToolCalls, [Calculator], 3).Should().BeOfType<JsonToolCallActionParser>().Which.MaxToolCallsPerTurn.Should().Be(3);
        var unknown = () => ActionParsers.Create((ActionFormat)99, [Calculator]);
        unknown.Should().Throw<ArgumentOutOfRangeException>();
    }
}
