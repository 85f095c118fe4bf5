using System.Buffers;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Gym.Core.Parsing;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Parsing;

public sealed class StructuredChatTests
{
    private static readonly DelegateTool Search = DelegateTool.Echo("search", "query");
    private static readonly DelegateTool Calculator = DelegateTool.Echo("calculator", "expression");
    private static readonly XmlTagActionParser Xml = new([Search, Calculator]);
    private static readonly JsonToolCallActionParser Json = new();

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void An_xml_tool_call_becomes_tool_calls_with_the_reasoning_as_content()
    {
        var message = StructuredChat.Assistant("<think>look it up</think>\n<search>capital of France</search>", 2, Xml);

        message.Role.Should().Be(ChatRole.Assistant);
        message.Content.Should().Be("<think>look it up</think>");
        message.ToolCalls.Should().Equal(new ChatToolCall("call_2_0", "search", """{"query":"capital of France"}"""));
    }

    [Fact]
    public void Several_json_tool_calls_are_numbered_in_order_with_compact_arguments()
    {
        var text = """<tool_call>{"name": "calculator", "arguments": {"expression": "2+3"}}</tool_call><tool_call>{"name": "search", "arguments": "{\"query\": \"x<y\"}"}</tool_call>""";

        var message = StructuredChat.Assistant(text, 0, Json);

        message.Content.Should().BeEmpty();
        message.ToolCalls.Should().Equal(
            new ChatToolCall("call_0_0", "calculator", """{"expression":"2+3"}"""),
            new ChatToolCall("call_0_1", "search", """{"query":"x<y"}"""));
    }

    [Theory]
    [InlineData("<answer>Paris</answer>")]
    [InlineData("<search>a</search><answer>b</answer>")]
    [InlineData("no tags at all")]
    public void An_answer_or_a_malformed_action_stays_text(string text)
    {
        var message = StructuredChat.Assistant(text, 1, Xml);

        message.Should().Be(new StructuredMessage(ChatRole.Assistant, text));
        message.HasToolCalls.Should().BeFalse();
    }

    [Fact]
    public void A_context_pairs_each_tool_result_with_the_call_it_answers()
    {
        IReadOnlyList<ChatMessage> context =
        [
            ChatMessage.System("Answer with the tools."),
            ChatMessage.User("Capital of France?"),
            ChatMessage.Assistant("<search>capital of France</search><calculator>1+1</calculator>"),
            ChatMessage.Tool("search", "Paris is the capital."),
            ChatMessage.Tool("calculator", "2"),
            ChatMessage.User("[HINT] You have 2 turns left."),
            ChatMessage.Assistant("<oops>"),
            ChatMessage.User("Invalid action: ..."),
            ChatMessage.Assistant("<search>Paris</search>"),
            ChatMessage.Tool("search", "Paris, city."),
        ];

        var structured = StructuredChat.Structure(context, Xml, nextTurn: 3);

        structured.Select(m => m.Role).Should().Equal(context.Select(m => m.Role));
        structured[2].ToolCalls!.Select(c => c.Id).Should().Equal("call_0_0", "call_0_1");
        structured[3].ToolCallId.Should().Be("call_0_0");
        structured[3].Name.Should().Be("search");
        structured[4].ToolCallId.Should().Be("call_0_1");
        structured[6].Should().Be(new StructuredMessage(ChatRole.Assistant, "<oops>"));
        structured[8].ToolCalls!.Should().ContainSingle().Which.Id.Should().Be("call_2_0");
        structured[9].ToolCallId.Should().Be("call_2_0");
        structured.Where(m => m.Role is ChatRole.System or ChatRole.User).Should().OnlyContain(m => m.ToolCalls == null && m.ToolCallId == null);
    }

    [Fact]
    public void A_memory_context_with_only_the_latest_turn_numbers_it_from_the_turn_about_to_be_played()
    {
        IReadOnlyList<ChatMessage> context =
        [
            ChatMessage.User("Capital of France?"),
            ChatMessage.Assistant("<search>Paris</search>"),
            ChatMessage.Tool("search", "Paris, city."),
        ];

        var structured = StructuredChat.Structure(context, Xml, nextTurn: 5);

        structured[1].ToolCalls!.Single().Id.Should().Be("call_4_0");
        structured[2].ToolCallId.Should().Be("call_4_0");
    }

    [Fact]
    public void The_tool_messages_of_an_observation_get_the_ids_of_their_turn()
    {
        var observation = StructuredChat.Observation([ChatMessage.Tool("search", "a"), ChatMessage.Tool("search", "b"), ChatMessage.User("[HINT] You have 1 turn left.")], 3);

        observation.Select(m => m.ToolCallId).Should().Equal("call_3_0", "call_3_1", null);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("json")]
    public void Structured_calls_become_text_the_parser_reads_back_as_the_same_calls(string format)
    {
        IActionParser parser = format == "xml" ? Xml : Json;

        var text = StructuredChat.ToActionText("<think>two lookups</think>", [("search", """{"query": "capital of France"}"""), ("calculator", """{"expression":"6*7"}""")], parser);
        var parsed = parser.Parse(text);

        parsed.IsValid.Should().BeTrue(parsed.Error);
        parsed.Thought.Should().Be("two lookups");
        parsed.ToolCalls.Select(c => (c.Name, c.ArgumentsJson)).Should().Equal(("search", """{"query":"capital of France"}"""), ("calculator", """{"expression":"6*7"}"""));
        StructuredChat.Assistant(text, 0, parser).ToolCalls!.Select(c => c.Arguments).Should().Equal("""{"query":"capital of France"}""", """{"expression":"6*7"}""");
    }

    [Fact]
    public void Content_alone_is_the_action_text()
    {
        StructuredChat.ToActionText("<answer>Paris</answer>", [], Xml).Should().Be("<answer>Paris</answer>");
        StructuredChat.ToActionText(null, [("search", "")], Xml).Should().Be("""<tool name="search">{}</tool>""", "no arguments are an empty object");
    }

    [Theory]
    [InlineData("search", "{not json", "tool_calls[0].function.arguments must be a JSON object in a string, got text that is not JSON")]
    [InlineData("search", "[1, 2]", "tool_calls[0].function.arguments must be a JSON object in a string, got a JSON array")]
    [InlineData(" ", "{}", "tool_calls[0].function.name must be a non-empty string")]
    public void Unusable_structured_calls_are_one_clear_error(string name, string arguments, string expected)
    {
        var act = () => StructuredChat.ToActionText(null, [(name, arguments)], Json);

        act.Should().Throw<StructuredActionException>().Which.Message.Should().StartWith(expected);
    }

    [Fact]
    public void Messages_and_tools_are_written_in_the_openai_shape()
    {
        var assistant = new StructuredMessage(ChatRole.Assistant, "", ToolCalls: [new ChatToolCall("call_0_0", "search", """{"query":"a"}""")]);
        var tool = new StructuredMessage(ChatRole.Tool, "result", "search", ToolCallId: "call_0_0");

        Write(assistant.WriteTo).Should().Be("""{"role":"assistant","content":null,"tool_calls":[{"id":"call_0_0","type":"function","function":{"name":"search","arguments":"{\u0022query\u0022:\u0022a\u0022}"}}]}""");
        Write(tool.WriteTo).Should().Be("""{"role":"tool","content":"result","tool_call_id":"call_0_0","name":"search"}""");
        Write(StructuredMessage.From(ChatMessage.User("hi")).WriteTo).Should().Be("""{"role":"user","content":"hi"}""");
        Write(w => StructuredChat.WriteTools(w, [Search])).Should().Be(
            """[{"type":"function","function":{"name":"search","description":"test tool search","parameters":""" + JsonSerializer.Serialize(Search.ParametersSchema) + "}}]");
    }
}
