using FluentAssertions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>
/// The server's chat-completion structure over a real socket: the reset lists the tools in OpenAI form, a
/// step answers with the played action as an assistant message with <c>tool_calls</c> and tool results with
/// their <c>tool_call_id</c>, and an action may be sent as an OpenAI assistant message.
/// </summary>
public sealed class StructuredMessageTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string CalculatorMessage = """{"role": "assistant", "content": null, "tool_calls": [{"id": "x", "type": "function", "function": {"name": "calculator", "arguments": "{\"expression\": \"2+3\"}"}}]}""";

    private ServerHarness H => shared.Harness;

    [Fact]
    public async Task The_reset_lists_the_tools_and_a_step_answers_with_structured_messages()
    {
        var id = await H.CreateSessionAsync();
        var reset = await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 42}");

        var tool = reset["tools"]!.AsArray().Should().ContainSingle().Subject!;
        ((string)tool["type"]!).Should().Be("function");
        ((string)tool["function"]!["name"]!).Should().Be("calculator");
        ((string)tool["function"]!["description"]!).Should().NotBeEmpty();
        ((string)tool["function"]!["parameters"]!["type"]!).Should().Be("object");

        var step = await H.PostOkAsync($"/sessions/{id}/step", $"{{\"action\": {WebSocketMessages.Escape("<think>add</think>" + ServerHarness.CalculatorCall)}}}");

        var assistant = step["assistant"]!;
        ((string)assistant["role"]!).Should().Be("assistant");
        ((string)assistant["content"]!).Should().Be("<think>add</think>");
        var call = assistant["tool_calls"]!.AsArray().Should().ContainSingle().Subject!;
        ((string)call["id"]!).Should().Be("call_0_0");
        ((string)call["type"]!).Should().Be("function");
        ((string)call["function"]!["name"]!).Should().Be("calculator");
        ((string)call["function"]!["arguments"]!).Should().Be("""{"expression":"2+3"}""");
        var result = step["observation"]![0]!;
        ((string)result["role"]!).Should().Be("tool");
        ((string)result["content"]!).Should().Be("5");
        ((string)result["name"]!).Should().Be("calculator");
        ((string)result["tool_call_id"]!).Should().Be("call_0_0");

        // The next turn's ids name turn 1.
        var second = await H.PostOkAsync($"/sessions/{id}/step", $"{{\"action\": {WebSocketMessages.Escape(ServerHarness.CalculatorCall)}}}");
        ((string)second["assistant"]!["tool_calls"]![0]!["id"]!).Should().Be("call_1_0");
        ((string)second["observation"]![0]!["tool_call_id"]!).Should().Be("call_1_0");
    }

    [Fact]
    public async Task An_action_sent_as_an_assistant_message_plays_as_the_same_text_would()
    {
        var text = await H.CreateSessionAsync();
        var structured = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{text}/reset", "{\"seed\": 9}");
        await H.PostOkAsync($"/sessions/{structured}/reset", "{\"seed\": 9}");

        var fromText = await H.PostOkAsync($"/sessions/{text}/step", $"{{\"action\": {WebSocketMessages.Escape(ServerHarness.CalculatorCall)}}}");
        var fromMessage = await H.PostOkAsync($"/sessions/{structured}/step", $"{{\"action\": {CalculatorMessage}}}");

        fromMessage["observation"]!.ToJsonString().Should().Be(fromText["observation"]!.ToJsonString());
        fromMessage["reward_breakdown"]!.ToJsonString().Should().Be(fromText["reward_breakdown"]!.ToJsonString());
        fromMessage["tool_calls"]!.ToJsonString().Should().Be(fromText["tool_calls"]!.ToJsonString());
        ((double)fromMessage["reward"]!).Should().Be((double)fromText["reward"]!);
        fromMessage["format_error"].Should().BeNull();
        fromMessage["assistant"]!.ToJsonString().Should().Be(fromText["assistant"]!.ToJsonString());

        // The answer says which text was played (a text action's client knows it already), and that text,
        // sent as text, plays the same step.
        fromText["action_text"].Should().BeNull();
        var played = (string)fromMessage["action_text"]!;
        played.Should().Contain("calculator").And.Contain("2+3");
        var replay = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{replay}/reset", "{\"seed\": 9}");
        var fromPlayed = await H.PostOkAsync($"/sessions/{replay}/step", $"{{\"action\": {WebSocketMessages.Escape(played)}}}");
        fromPlayed["observation"]!.ToJsonString().Should().Be(fromMessage["observation"]!.ToJsonString());
        fromPlayed["tool_calls"]!.ToJsonString().Should().Be(fromMessage["tool_calls"]!.ToJsonString());
        fromPlayed["assistant"]!.ToJsonString().Should().Be(fromMessage["assistant"]!.ToJsonString());
    }

    [Fact]
    public async Task Over_websocket_an_assistant_message_with_content_only_is_the_content()
    {
        using var socket = await H.ConnectAsync();
        await socket.RequestAsync("""{"type": "reset", "seed": 3}""");

        var step = await socket.RequestAsync("""{"type": "step", "id": 1, "action": {"role": "assistant", "content": "<answer>12</answer>"}}""");

        ((string)step["type"]!).Should().Be("step");
        ((bool)step["terminated"]!).Should().BeTrue();
        ((string)step["assistant"]!["content"]!).Should().Be("<answer>12</answer>");
        step["assistant"]!["tool_calls"].Should().BeNull();
        ((string)step["action_text"]!).Should().Be("<answer>12</answer>");
    }

    [Theory]
    [InlineData("""{"role": "user", "content": "hi"}""", "must have \"role\": \"assistant\"")]
    [InlineData("""{"role": "assistant"}""", "needs 'content' or 'tool_calls'")]
    [InlineData("""{"role": "assistant", "tool_calls": {}}""", "'action.tool_calls' must be an array")]
    [InlineData("""{"role": "assistant", "tool_calls": [{"type": "function"}]}""", "'action.tool_calls[0]' must be")]
    [InlineData("""{"role": "assistant", "tool_calls": [{"function": {"name": "calculator", "arguments": "{oops"}}]}""", "action.tool_calls[0].function.arguments must be a JSON object in a string")]
    [InlineData("""{"role": "assistant", "tool_calls": [{"function": {"name": "calculator", "arguments": "[]"}}]}""", "got a JSON array")]
    [InlineData("""{"role": "assistant", "content": "x", "extra": 1}""", "unknown field 'extra'")]
    public async Task A_malformed_assistant_message_is_one_invalid_request_error(string action, string fragment)
    {
        var id = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");

        var (status, error, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", $"{{\"action\": {action}}}");

        status.Should().Be(400);
        error!.ShouldBeError("invalid_request");
        ((string)error!["error"]!["message"]!).Should().Contain(fragment);

        // The refused step did not count: the episode is still at turn 0.
        var (_, state, _) = await H.SendAsync(HttpMethod.Get, $"/sessions/{id}");
        ((int)state!["turn"]!).Should().Be(0);
    }
}
