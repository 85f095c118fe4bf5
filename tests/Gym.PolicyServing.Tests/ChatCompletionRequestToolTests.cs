using System.Text;
using FluentAssertions;
using Gym.Core;
using Xunit;

namespace Gym.PolicyServing.Tests;

/// <summary>How a request's tools, tool_choice, tool_calls and tool_call_id are read.</summary>
public sealed class ChatCompletionRequestToolTests
{
    private const string Tool = """{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}""";

    private const string History = """
        [{"role": "user", "content": "q"},
         {"role": "assistant", "content": "<think>x</think>", "tool_calls": [{"id": "call_0_0", "type": "function", "function": {"name": "search", "arguments": {"query": "a"}}}]},
         {"role": "tool", "tool_call_id": "call_0_0", "content": "r"},
         {"role": "tool", "tool_call_id": "unknown", "content": "s"},
         {"role": "assistant", "content": "<answer>b</answer>"}]
        """;

    private static ChatCompletionRequest Parse(string extra) =>
        ChatCompletionRequest.Parse(Encoding.UTF8.GetBytes($$$"""{"model": "m", "messages": {{{History}}}{{{extra}}}}"""));

    [Theory]
    [InlineData(", \"tools\": [" + Tool + "]", true)]
    [InlineData(", \"tools\": [" + Tool + "], \"tool_choice\": \"auto\"", true)]
    [InlineData(", \"tools\": [" + Tool + "], \"tool_choice\": \"none\"", false)]
    [InlineData(", \"tools\": []", false)]
    [InlineData("", false)]
    public void Tool_calls_are_read_from_the_output_only_when_tools_are_given_and_not_turned_off(string extra, bool parse)
    {
        var request = Parse(extra);

        request.ParseToolCalls.Should().Be(parse);
        request.Tools!.Count.Should().Be(extra.Contains(Tool, StringComparison.Ordinal) ? 1 : 0);
    }

    [Fact]
    public void Assistant_tool_calls_and_tool_results_keep_their_structure()
    {
        var request = Parse("");

        request.Turn.Should().Be(2, "two assistant messages: the reply's calls are turn 2's");
        var assistant = request.Messages[1];
        assistant.Content.Should().Be("<think>x</think>");
        assistant.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("search");
        assistant.ToolCalls![0].Arguments!.ToJsonString().Should().Be("""{"query":"a"}""", "an object is taken as it is");
        request.Messages[2].Should().Match<Learning.Policy.TemplateMessage>(m => m.Role == ChatRole.Tool && m.Name == "search", "the name comes from the call it answers");
        request.Messages[3].Name.Should().BeNull("no call has that id");
        request.Messages[4].HasToolCalls.Should().BeFalse();
    }
}
