using System.Text.Json;
using FluentAssertions;
using Gym.Core.Parsing;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Composition;

public sealed class ParserRenderingTests
{
    private static readonly ITool Calculator = DelegateTool.Echo("calculator", "expression");

    private static ToolCall Call(string name, string json) => new(name, JsonDocument.Parse(json).RootElement.Clone());

    public static TheoryData<string, string> Calls => new()
    {
        { "calculator", """{"expression": "908 + 584"}""" },
        { "calculator", """{"expression": "  padded "}""" },
        { "calculator", """{"expression": "{not json"}""" },
        { "calculator", """{"expression": "a < b </calculator> </tool_call> & \"q\""}""" },
        { "calculator", """{"expression": ""}""" },
        { "add", """{"a": 1, "b": [2, {"c": "+"}]}""" },
        { "unknown", """{}""" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void Both_parsers_read_a_rendered_call_back_as_the_same_call(string name, string json)
    {
        var call = Call(name, json);
        IActionParser[] parsers = [new JsonToolCallActionParser(), new XmlTagActionParser([Calculator, AdderEnvironment.Add])];

        foreach (var parser in parsers)
        {
            var text = "<think>x</think>" + parser.Render(call);
            var parsed = parser.Parse(text);

            parsed.IsValid.Should().BeTrue($"{parser.GetType().Name} should read back {text}: {parsed.Error}");
            parsed.ToolCalls.Should().ContainSingle();
            parsed.ToolCalls[0].Name.Should().Be(name);
            JsonElement.DeepEquals(parsed.ToolCalls[0].Arguments, call.Arguments).Should().BeTrue($"{parser.GetType().Name}: {text}");
        }
    }

    [Fact]
    public void Json_calls_are_compact_name_first_with_operators_left_literal()
    {
        var rendered = new JsonToolCallActionParser().Render(Call("calculator", """{"expression": "3 + 4 * 'x'"}"""));

        rendered.Should().Be("""<tool_call>{"name":"calculator","arguments":{"expression":"3 + 4 * 'x'"}}</tool_call>""");
    }

    [Fact]
    public void A_less_than_sign_is_escaped_so_it_cannot_close_the_tag()
    {
        var rendered = new JsonToolCallActionParser().Render(Call("calculator", """{"expression": "1 < 2 </tool_call>"}"""));

        rendered.Should().NotContain("1 <").And.Contain("\\u003C");
    }

    [Fact]
    public void Xml_tags_use_the_command_tag_only_when_the_text_reads_back_unchanged()
    {
        var parser = new XmlTagActionParser([Calculator, AdderEnvironment.Add]);

        parser.Render(Call("calculator", """{"expression": "908 + 584"}""")).Should().Be("<calculator>908 + 584</calculator>");
        parser.Render(Call("calculator", """{"expression": " 1"}""")).Should().Be("""<tool name="calculator">{"expression":" 1"}</tool>""");
        parser.Render(Call("add", """{"a": 1, "b": 2}""")).Should().Be("""<tool name="add">{"a":1,"b":2}</tool>""");
        parser.Render(Call("search", """{"q": "x"}""")).Should().Be("""<tool name="search">{"q":"x"}</tool>""");
    }

    [Fact]
    public void Answers_render_as_an_answer_block()
    {
        new JsonToolCallActionParser().RenderAnswer("1; 2").Should().Be("<answer>1; 2</answer>");
        new XmlTagActionParser([Calculator]).RenderAnswer("42").Should().Be("<answer>42</answer>");
        new XmlTagActionParser([Calculator]).Parse(new XmlTagActionParser([Calculator]).RenderAnswer("42")).Answer.Should().Be("42");
    }
}
