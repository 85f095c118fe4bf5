using FluentAssertions;
using Gym.Core.ChatCompletions;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Policies.OpenAi;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Policies.OpenAi;

/// <summary>The openai policy's structured messages: tools, tool_calls and tool_call_id out, tool_calls in.</summary>
public sealed class OpenAiPolicyStructuredTests
{
    private static readonly DelegateTool Search = DelegateTool.Echo("search", "query");

    private static readonly IReadOnlyList<ChatMessage> Context =
    [
        ChatMessage.System("Answer with the tools."),
        ChatMessage.User("Capital of France?"),
        ChatMessage.Assistant("<think>look it up</think><search>capital of France</search>"),
        ChatMessage.Tool("search", "Paris is the capital of France."),
    ];

    /// <summary>Every episode offers the search tool, written as XML tags.</summary>
    private sealed class SearchTools : IEpisodeToolSource
    {
        public int Asked { get; private set; }

        public EpisodeTools? ToolsFor(PolicyRequest request)
        {
            Asked++;
            return new EpisodeTools([Search], new XmlTagActionParser([Search]));
        }
    }

    private static OpenAiPolicyOptions Options(FakeChatServer server, OpenAiMessageMode mode) => new(server.BaseUrl, "qwen-test")
    {
        Timeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        Messages = mode,
    };

    private static string ToolCallReply(string content, string arguments) => $$$"""
        {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "tool_calls",
         "message": {"role": "assistant", "content": {{{content}}},
                     "tool_calls": [{"id": "chatcmpl-tool-9", "type": "function", "function": {"name": "search", "arguments": {{{arguments}}}}}]}}]}
        """;

    [Fact]
    public async Task Structured_mode_sends_tools_and_the_tool_call_history_and_reads_tool_calls_back_as_the_action()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Body: ToolCallReply("null", "\"{\\\"query\\\": \\\"Paris population\\\"}\"")));
        using var policy = new OpenAiPolicy(Options(server, OpenAiMessageMode.Structured), tools: new SearchTools());

        var action = (await policy.ActAsync([new PolicyRequest("e0", 42, 1, Context)], CancellationToken.None)).Single();

        action.Text.Should().Be("<search>Paris population</search>", "the call is written in the environment's own action format");
        var body = server.Received.Single().Body;
        var tools = body.GetProperty("tools").EnumerateArray().ToList();
        tools.Should().ContainSingle();
        tools[0].GetProperty("type").GetString().Should().Be("function");
        tools[0].GetProperty("function").GetProperty("name").GetString().Should().Be("search");
        tools[0].GetProperty("function").GetProperty("parameters").GetProperty("required")[0].GetString().Should().Be("query");

        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        messages.Select(m => m.GetProperty("role").GetString()).Should().Equal("system", "user", "assistant", "tool");
        messages[2].GetProperty("content").GetString().Should().Be("<think>look it up</think>");
        var call = messages[2].GetProperty("tool_calls").EnumerateArray().Single();
        call.GetProperty("id").GetString().Should().Be("call_0_0");
        call.GetProperty("type").GetString().Should().Be("function");
        call.GetProperty("function").GetProperty("name").GetString().Should().Be("search");
        call.GetProperty("function").GetProperty("arguments").GetString().Should().Be("""{"query":"capital of France"}""");
        messages[3].GetProperty("tool_call_id").GetString().Should().Be("call_0_0");
        messages[3].GetProperty("name").GetString().Should().Be("search");
        messages[3].GetProperty("content").GetString().Should().Be("Paris is the capital of France.");
    }

    [Fact]
    public async Task A_reply_with_content_and_tool_calls_keeps_the_content_before_the_calls()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Body: ToolCallReply("\"<think>more</think>\"", """{"query": "Paris"}""")));
        using var policy = new OpenAiPolicy(Options(server, OpenAiMessageMode.Structured), tools: new SearchTools());

        var action = (await policy.ActAsync([new PolicyRequest("e0", 42, 1, Context)], CancellationToken.None)).Single();

        action.Text.Should().Be("<think>more</think>\n<search>Paris</search>");
    }

    [Fact]
    public async Task Broken_arguments_reach_the_environment_as_an_action_its_parser_rejects()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Body: ToolCallReply("null", "\"{not json\"")));
        using var policy = new OpenAiPolicy(Options(server, OpenAiMessageMode.Structured), tools: new SearchTools());

        var action = (await policy.ActAsync([new PolicyRequest("e0", 42, 1, Context)], CancellationToken.None)).Single();

        action.Text.Should().Be("<tool_call>{\"name\": \"search\", \"arguments\": \"{not json\"}</tool_call>");
        new XmlTagActionParser([Search]).Parse(action.Text).IsValid.Should().BeFalse();
    }

    [Fact]
    public async Task Text_mode_is_the_default_and_sends_the_context_as_written()
    {
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("<answer>Paris</answer>"));
        var tools = new SearchTools();
        using var policy = new OpenAiPolicy(new OpenAiPolicyOptions(server.BaseUrl, "qwen-test"), tools: tools);

        var action = (await policy.ActAsync([new PolicyRequest("e0", 42, 1, Context)], CancellationToken.None)).Single();

        policy.Options.Messages.Should().Be(OpenAiMessageMode.Text);
        action.Text.Should().Be("<answer>Paris</answer>");
        tools.Asked.Should().Be(0);
        var body = server.Received.Single().Body;
        body.TryGetProperty("tools", out _).Should().BeFalse();
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        messages[2].GetProperty("content").GetString().Should().Be("<think>look it up</think><search>capital of France</search>");
        messages[2].TryGetProperty("tool_calls", out _).Should().BeFalse();
        messages[3].TryGetProperty("tool_call_id", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Tool_calls_in_a_reply_to_a_text_request_are_a_clear_error()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Body: ToolCallReply("null", "\"{}\"")));
        using var policy = new OpenAiPolicy(Options(server, OpenAiMessageMode.Text));

        var act = () => policy.ActAsync([new PolicyRequest("e0", 42, 1, Context)], CancellationToken.None).AsTask();

        (await act.Should().ThrowAsync<ChatCompletionsException>()).Which.Message.Should().Contain("has tool_calls, but the policy sent no tools");
    }

    [Theory]
    [InlineData("{}", "tool_calls that is not an array")]
    [InlineData("[{\"type\": \"function\"}]", "tool_calls[0] without function.name")]
    [InlineData("[{\"function\": {\"name\": \"search\", \"arguments\": 5}}]", "arguments that is neither a JSON string nor an object")]
    public async Task A_malformed_tool_calls_reply_is_a_clear_error(string calls, string fragment)
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Body: $$$"""{"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": {{{calls}}}}}]}"""));
        using var policy = new OpenAiPolicy(Options(server, OpenAiMessageMode.Structured) with { MaxRetries = 0 }, tools: new SearchTools());

        var act = () => policy.ActAsync([new PolicyRequest("e0", 42, 1, Context)], CancellationToken.None).AsTask();

        (await act.Should().ThrowAsync<ChatCompletionsException>()).Which.Message.Should().Contain(fragment);
    }
}
