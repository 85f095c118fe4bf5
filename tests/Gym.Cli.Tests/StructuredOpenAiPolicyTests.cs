using System.Text.Json;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// <c>gym run --policy openai:… --policy-option messages=structured</c> on search QA: the requests carry
/// the episode's tools and its tool-call history as chat-completion structure, a reply's <c>tool_calls</c>
/// play as the text action would, and the trajectories equal those of text mode. The chat server is a
/// scripted stand-in for a third-party one (vLLM with a tool parser), which replies with the same moves
/// in either shape.
/// </summary>
public sealed class StructuredOpenAiPolicyTests
{
    private static readonly string[] Run =
        ["run", "search-qa/synthetic-v0", "--param", "documents=2000", "--param", "kb_seed=4343", "--episodes", "3", "--seed", "5", "--no-progress", "--policy", "openai:qwen"];

    private static int Turn(ChatRequest request) =>
        request.Body.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "assistant");

    // Turn 0 searches, turn 1 answers: as tool_calls or as the scenario's text tags.
    private static ChatReply Reply(ChatRequest request, bool structured)
    {
        if (!request.IsChat)
        {
            return ChatReply.Ok("");
        }

        if (Turn(request) > 0)
        {
            return ChatReply.Ok("<answer>Paris</answer>");
        }

        return structured
            ? new ChatReply(Body: """
                {"id": "c", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant",
                 "content": "<think>look it up</think>", "tool_calls": [{"id": "chatcmpl-tool-1", "type": "function", "function": {"name": "search", "arguments": "{\"query\": \"capital city\"}"}}]}}]}
                """)
            : ChatReply.Ok("<think>look it up</think>\n<search>capital city</search>");
    }

    [Fact]
    public async Task Structured_messages_play_the_same_trajectories_as_text_and_send_tools_and_tool_call_ids()
    {
        using var dir = new TempDirectory();
        await using var structured = await FakeChatServer.StartAsync(r => Reply(r, structured: true));
        await using var text = await FakeChatServer.StartAsync(r => Reply(r, structured: false));

        var fromStructured = await GymProcess.RunAsync(dir.Path, [.. Run, "--policy-url", structured.BaseUrl.AbsoluteUri, "--policy-option", "messages=structured", "--out", "structured.jsonl"]);
        var fromText = await GymProcess.RunAsync(dir.Path, [.. Run, "--policy-url", text.BaseUrl.AbsoluteUri, "--out", "text.jsonl"]);

        fromStructured.ExitCode.Should().Be(0, fromStructured.Because);
        fromText.ExitCode.Should().Be(0, fromText.Because);
        var a = RolloutFile.Read(dir.File("structured.jsonl"));
        var b = RolloutFile.Read(dir.File("text.jsonl"));
        a.Should().HaveCount(3);
        foreach (var (x, y) in a.Zip(b))
        {
            x.Turns.Select(t => t.Action.Text).Should().Equal(y.Turns.Select(t => t.Action.Text));
            x.Turns.Select(t => t.Action.Text).Should().StartWith("<think>look it up</think>\n<search>capital city</search>");
            x.Turns.Select(t => JsonSerializer.Serialize(t.Observation)).Should().Equal(y.Turns.Select(t => JsonSerializer.Serialize(t.Observation)));
            x.Turns.Select(t => t.Reward).Should().Equal(y.Turns.Select(t => t.Reward));
            x.TotalReward.Should().Be(y.TotalReward);
        }

        var chats = structured.Received.Where(r => r.IsChat).ToList();
        chats.Should().HaveCount(6);
        foreach (var request in chats)
        {
            request.Body.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()).Should().Equal("search", "open");
        }

        var second = chats.First(r => Turn(r) == 1).Body.GetProperty("messages").EnumerateArray().ToList();
        var assistant = second.Single(m => m.GetProperty("role").GetString() == "assistant");
        assistant.GetProperty("content").GetString().Should().Be("<think>look it up</think>");
        var call = assistant.GetProperty("tool_calls").EnumerateArray().Single();
        call.GetProperty("id").GetString().Should().Be("call_0_0");
        call.GetProperty("function").GetProperty("name").GetString().Should().Be("search");
        call.GetProperty("function").GetProperty("arguments").GetString().Should().Be("""{"query":"capital city"}""");
        var result = second.Single(m => m.GetProperty("role").GetString() == "tool");
        result.GetProperty("tool_call_id").GetString().Should().Be("call_0_0");
        result.GetProperty("name").GetString().Should().Be("search");

        // Text mode sends neither tools nor tool_calls.
        text.Received.Where(r => r.Body.ValueKind == JsonValueKind.Object && r.Body.TryGetProperty("tools", out _)).Should().BeEmpty();
    }

    [Fact]
    public async Task Structured_messages_for_an_unknown_mode_are_one_usage_error()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--policy", "openai:m", "--policy-url", "http://127.0.0.1:1/v1", "--policy-option", "messages=json");

        CliAssertions.AssertUsageError(result, "--policy-option messages must be text or structured (got 'json')");
    }
}
