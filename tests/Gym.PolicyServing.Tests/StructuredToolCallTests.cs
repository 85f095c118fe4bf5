using System.Diagnostics;
using System.Text.Json;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Policies;
using Gym.Core.Policies.OpenAi;
using Gym.Learning.Policy;
using Gym.Testing;
using Xunit;

namespace Gym.PolicyServing.Tests;

/// <summary>
/// <c>gym serve-policy</c> with tools: a real server on 127.0.0.1 with the Qwen2.5 template takes <c>tools</c>,
/// assistant <c>tool_calls</c> and <c>tool</c> messages with <c>tool_call_id</c>, and renders them as the
/// template does; the request is sent by .NET, by the official openai npm client where node is installed,
/// and by Gym's own openai policy in structured mode.
/// </summary>
public sealed class StructuredToolCallTests : IAsyncLifetime
{
    private const string SearchTool = """{"type": "function", "function": {"name": "search", "description": "Search the corpus.", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}""";

    // Two calls in one turn, then both results, then the generation prompt.
    private static readonly string Request = $$$"""
        {"model": "{{{TinyPolicyServer.ModelId}}}", "max_tokens": 4, "temperature": 0, "seed": 1,
         "tools": [{{{SearchTool}}}],
         "messages": [
           {"role": "system", "content": "Answer questions."},
           {"role": "user", "content": "What is the capital of France?"},
           {"role": "assistant", "content": null, "tool_calls": [
             {"id": "call_0_0", "type": "function", "function": {"name": "search", "arguments": "{\"query\": \"capital of France\"}"}},
             {"id": "call_0_1", "type": "function", "function": {"name": "search", "arguments": "{\"query\":\"France\"}"}}]},
           {"role": "tool", "tool_call_id": "call_0_0", "content": "Paris is the capital of France."},
           {"role": "tool", "tool_call_id": "call_0_1", "content": "France is in Europe."}]}
        """;

    // What Qwen2.5's real template renders for it: the # Tools section after the system text, the calls as
    // <tool_call> JSON (Python spacing), the two results merged into one user turn.
    private const string Expected =
        "<|im_start|>system\nAnswer questions.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" + SearchTool + "\n</tools>\n\n" +
        "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
        "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" +
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n" +
        "<|im_start|>assistant\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"capital of France\"}}\n</tool_call>\n" +
        "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"France\"}}\n</tool_call><|im_end|>\n" +
        "<|im_start|>user\n<tool_response>\nParis is the capital of France.\n</tool_response>\n<tool_response>\nFrance is in Europe.\n</tool_response><|im_end|>\n" +
        "<|im_start|>assistant\n";

    private readonly List<RenderedPrompt> _rendered = [];
    private TinyPolicyServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TinyPolicyServer.StartAsync(format: ChatFormats.Qwen25);
        _server.Server.Rendered += prompt =>
        {
            lock (_rendered)
            {
                _rendered.Add(prompt);
            }
        };
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private RenderedPrompt LastRendered()
    {
        lock (_rendered)
        {
            return _rendered[^1];
        }
    }

    [Fact]
    public async Task Tools_tool_calls_and_tool_results_are_rendered_through_the_template()
    {
        var (status, body) = await _server.CompleteAsync(Request);

        status.Should().Be(200, body.ToString());
        var rendered = LastRendered();
        rendered.Text.Should().Be(Expected);
        body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().Should().Be(rendered.Ids.Length);
        body.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString().Should().Be("assistant");
    }

    [Fact]
    public async Task The_official_openai_client_sends_the_same_request_where_node_is_installed()
    {
        var tool = RepositoryFolders.Path("tools", "openai-client");
        var node = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node")).FirstOrDefault(File.Exists);
        if (node is null || !Directory.Exists(Path.Combine(tool, "node_modules", "openai")))
        {
            // No node or no `npm ci` in tools/openai-client (CI machines): the .NET request above covers the server.
            return;
        }

        var requestFile = Path.Combine(Path.GetTempPath(), $"gym-openai-request-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(requestFile, Request);
        try
        {
            var info = new ProcessStartInfo(node) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Path.Combine(tool, "chat.mjs"), _server.Server.BaseUrl.AbsoluteUri, requestFile })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(0, await stderr);

            LastRendered().Text.Should().Be(Expected);
            using var reply = JsonDocument.Parse(await stdout);
            reply.RootElement.GetProperty("object").GetString().Should().Be("chat.completion");
            reply.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString().Should().Be("assistant");
        }
        finally
        {
            File.Delete(requestFile);
        }
    }

    [Theory]
    [InlineData("""{"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "search", "arguments": "{not json"}}]}""", "messages[0].tool_calls[0].function.arguments", "is not valid JSON")]
    [InlineData("""{"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "search", "arguments": "[1]"}}]}""", "messages[0].tool_calls[0].function.arguments", "must hold a JSON object")]
    [InlineData("""{"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function"}]}""", "messages[0].tool_calls[0]", "must be {")]
    [InlineData("""{"role": "assistant", "content": null, "tool_calls": {}}""", "messages[0].tool_calls", "must be an array")]
    public async Task Malformed_tool_calls_are_one_openai_error(string message, string param, string fragment)
    {
        var (status, body) = await _server.CompleteAsync($$"""{"model": "{{TinyPolicyServer.ModelId}}", "messages": [{{message}}, {"role": "user", "content": "go"}]}""");

        status.Should().Be(400);
        var error = body.GetProperty("error");
        error.GetProperty("param").GetString().Should().Be(param);
        error.GetProperty("message").GetString().Should().Contain(fragment);
    }

    [Theory]
    [InlineData("\"tools\": {}", "tools", "tools must be an array")]
    [InlineData("\"tools\": [{\"type\": \"function\"}]", "tools[0]", "tools[0] must be")]
    [InlineData("\"tools\": [" + SearchTool + "], \"tool_choice\": \"required\"", "tool_choice", "tool_choice must be \"auto\" or \"none\"")]
    public async Task Malformed_tools_are_one_openai_error(string extra, string param, string fragment)
    {
        var (status, body) = await _server.CompleteAsync(TinyPolicyServer.Body("go", extra));

        status.Should().Be(400);
        var error = body.GetProperty("error");
        error.GetProperty("param").GetString().Should().Be(param);
        error.GetProperty("message").GetString().Should().Contain(fragment);
    }

    [Fact]
    public async Task A_tool_result_without_a_name_takes_its_tools_name_from_the_call_it_answers()
    {
        await using var chatml = await TinyPolicyServer.StartAsync();
        RenderedPrompt? seen = null;
        chatml.Server.Rendered += prompt => seen = prompt;

        var (status, _) = await chatml.CompleteAsync(Request);

        status.Should().Be(200);
        seen!.Text.Should().Contain("<|im_start|>tool search\nParis is the capital of France.<|im_end|>", "Gym's ChatML names the tool of a tool message");
    }

    [Fact]
    public async Task The_openai_policy_in_structured_mode_sends_its_history_as_tool_calls_the_template_renders()
    {
        var search = DelegateTool.Echo("search", "query");
        using var policy = new OpenAiPolicy(
            new OpenAiPolicyOptions(_server.Server.BaseUrl, TinyPolicyServer.ModelId) { MaxTokens = 4, Messages = OpenAiMessageMode.Structured },
            tools: new FixedTools(new Core.Parsing.EpisodeTools([search], new Core.Parsing.XmlTagActionParser([search]))));
        IReadOnlyList<ChatMessage> context =
        [
            ChatMessage.System("Answer questions."),
            ChatMessage.User("What is the capital of France?"),
            ChatMessage.Assistant("<search>capital of France</search>"),
            ChatMessage.Tool("search", "Paris is the capital of France."),
        ];

        await policy.ActAsync([new PolicyRequest("e0", 3, 1, context)], CancellationToken.None);

        var text = LastRendered().Text;
        text.Should().Contain("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"search\", \"description\": \"test tool search\"");
        text.Should().Contain("<|im_start|>assistant\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"capital of France\"}}\n</tool_call><|im_end|>\n");
        text.Should().EndWith("<|im_start|>user\n<tool_response>\nParis is the capital of France.\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
    }

    private sealed class FixedTools(Core.Parsing.EpisodeTools tools) : IEpisodeToolSource
    {
        public Core.Parsing.EpisodeTools? ToolsFor(PolicyRequest request) => tools;
    }
}
