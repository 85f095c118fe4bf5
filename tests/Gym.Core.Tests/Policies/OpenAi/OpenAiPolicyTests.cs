using System.Diagnostics;
using System.Text.Json;
using FluentAssertions;
using Gym.Core.ChatCompletions;
using Gym.Core.Policies;
using Gym.Core.Policies.OpenAi;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Policies.OpenAi;

public sealed class OpenAiPolicyTests
{
    private static readonly IReadOnlyList<ChatMessage> Context =
    [
        ChatMessage.System("solve it"),
        ChatMessage.User("2+3?"),
        ChatMessage.Assistant("<calculator>2+3</calculator>"),
        ChatMessage.Tool("calculator", "5"),
    ];

    private static PolicyRequest Request(string episode = "e0", long seed = 42, int turn = 1, int attempt = 0) => new(episode, seed, turn, Context, Attempt: attempt);

    /// <summary>Options on <paramref name="server"/> with test-sized backoff.</summary>
    private static OpenAiPolicyOptions Options(FakeChatServer server) => new(server.BaseUrl, "qwen-test")
    {
        Timeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task Posts_the_context_and_sampling_fields_and_returns_the_text_with_its_logprobs()
    {
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("<answer>5</answer>", -0.5f, -0.25f));
        using var policy = new OpenAiPolicy(Options(server) with { Temperature = 0.7, TopP = 0.9, MaxTokens = 64, Stop = ["</answer>", "\n\n"] });

        var actions = await policy.ActAsync([Request()], CancellationToken.None);

        var action = actions.Should().ContainSingle().Subject;
        action.Text.Should().Be("<answer>5</answer>");
        action.LogProbs.Should().Equal(-0.5f, -0.25f);
        action.TokenIds.Should().BeNull("an OpenAI reply carries no token ids");
        policy.Id.Should().Be("openai:qwen-test");

        var request = server.Received.Should().ContainSingle().Subject;
        request.Path.Should().Be("/v1/chat/completions");
        request.Authorization.Should().BeNull();
        var body = request.Body;
        body.GetProperty("model").GetString().Should().Be("qwen-test");
        body.GetProperty("temperature").GetDouble().Should().Be(0.7);
        body.GetProperty("top_p").GetDouble().Should().Be(0.9);
        body.GetProperty("max_tokens").GetInt32().Should().Be(64);
        body.GetProperty("n").GetInt32().Should().Be(1);
        body.GetProperty("logprobs").GetBoolean().Should().BeTrue();
        body.GetProperty("stop").EnumerateArray().Select(s => s.GetString()).Should().Equal("</answer>", "\n\n");
        body.GetProperty("seed").GetInt64().Should().Be(OpenAiPolicy.RequestSeed(42, 0, 1));
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        messages.Select(m => m.GetProperty("role").GetString()).Should().Equal("system", "user", "assistant", "tool");
        messages.Select(m => m.GetProperty("content").GetString()).Should().Equal("solve it", "2+3?", "<calculator>2+3</calculator>", "5");
        messages[3].GetProperty("name").GetString().Should().Be("calculator");
        messages[1].TryGetProperty("name", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Fields_left_unset_are_not_sent_and_a_reply_without_logprobs_records_none()
    {
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("hi"));
        using var policy = new OpenAiPolicy(Options(server) with { LogProbs = false, SendSeed = false });

        var action = (await policy.ActAsync([Request()], CancellationToken.None)).Single();

        action.LogProbs.Should().BeNull();
        var body = server.Received.Single().Body;
        foreach (var field in new[] { "temperature", "top_p", "max_tokens", "stop", "seed", "logprobs" })
        {
            body.TryGetProperty(field, out _).Should().BeFalse($"{field} was not configured");
        }
    }

    [Fact]
    public async Task Tool_results_can_be_sent_as_user_messages_for_servers_that_refuse_tool_messages()
    {
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("ok"));
        using var policy = new OpenAiPolicy(Options(server) with { ToolMessages = ToolMessageRole.User });

        await policy.ActAsync([Request()], CancellationToken.None);

        var messages = server.Received.Single().Body.GetProperty("messages").EnumerateArray().ToList();
        messages.Select(m => m.GetProperty("role").GetString()).Should().Equal("system", "user", "assistant", "user");
        messages[3].GetProperty("content").GetString().Should().Be("Tool calculator returned:\n5");
        messages[3].TryGetProperty("name", out _).Should().BeFalse();
    }

    [Fact]
    public void The_request_seed_is_a_function_of_episode_seed_attempt_and_turn_within_31_bits()
    {
        var seeds = new HashSet<long>();
        for (var turn = 0; turn < 50; turn++)
        {
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var seed = OpenAiPolicy.RequestSeed(7, attempt, turn);
                seed.Should().BeInRange(0, int.MaxValue);
                seed.Should().Be(OpenAiPolicy.RequestSeed(7, attempt, turn));
                seeds.Add(seed);
            }
        }

        seeds.Should().HaveCount(200, "every attempt and turn asks with its own seed");
        OpenAiPolicy.RequestSeed(8, 0, 0).Should().NotBe(OpenAiPolicy.RequestSeed(7, 0, 0));
    }

    [Fact]
    public async Task Reruns_send_byte_identical_requests()
    {
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("ok"));
        using var policy = new OpenAiPolicy(Options(server) with { Temperature = 1 });

        await policy.ActAsync([Request("a", 5, 0), Request("b", 6, 2)], CancellationToken.None);
        await policy.ActAsync([Request("a", 5, 0), Request("b", 6, 2)], CancellationToken.None);

        var bodies = server.Received.Select(r => r.Body.GetRawText()).ToList();
        bodies.Should().HaveCount(4);
        bodies.Where(b => b == bodies[0]).Should().HaveCount(2);
        policy.BuildBody(Request("a", 5, 0)).Should().Equal(policy.BuildBody(Request("a", 5, 0)));
    }

    [Fact]
    public async Task A_batch_answers_in_request_order()
    {
        await using var server = await FakeChatServer.StartAsync(r => new ChatReply(Content: "echo " + r.Body.GetProperty("seed").GetInt64(), Delay: TimeSpan.FromMilliseconds(r.Index % 3 * 20)));
        using var policy = new OpenAiPolicy(Options(server));
        var requests = Enumerable.Range(0, 12).Select(i => Request($"e{i}", i, 0)).ToList();

        var actions = await policy.ActAsync(requests, CancellationToken.None);

        actions.Select(a => a.Text).Should().Equal(requests.Select(r => "echo " + OpenAiPolicy.RequestSeed(r.Seed, 0, 0)));
    }

    [Fact]
    public async Task At_most_max_concurrency_requests_are_in_flight()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Content: "ok", Delay: TimeSpan.FromMilliseconds(100)));
        using var policy = new OpenAiPolicy(Options(server) with { MaxConcurrency = 2 });

        // Two batches at once: the limit holds across calls, not only within one.
        await Task.WhenAll(
            policy.ActAsync([.. Enumerable.Range(0, 4).Select(i => Request($"a{i}", i))], CancellationToken.None).AsTask(),
            policy.ActAsync([.. Enumerable.Range(0, 4).Select(i => Request($"b{i}", i + 10))], CancellationToken.None).AsTask());

        server.Requests.Should().Be(8);
        server.MaxInFlight.Should().Be(2);
    }

    [Fact]
    public async Task A_5xx_and_a_dropped_connection_are_retried()
    {
        await using var server = await FakeChatServer.StartAsync(r => r.Index switch
        {
            0 => ChatReply.Error(503),
            1 => new ChatReply(Abort: true),
            _ => ChatReply.Ok("back"),
        });
        using var policy = new OpenAiPolicy(Options(server));

        (await policy.ActAsync([Request()], CancellationToken.None)).Single().Text.Should().Be("back");
        server.Requests.Should().Be(3);
        policy.Requests.Should().Be(3);
    }

    [Fact]
    public async Task A_429_waits_as_long_as_Retry_After_says()
    {
        await using var server = await FakeChatServer.StartAsync(r => r.Index == 0 ? ChatReply.Error(429, retryAfter: "1") : ChatReply.Ok("done"));
        using var policy = new OpenAiPolicy(Options(server));

        (await policy.ActAsync([Request()], CancellationToken.None)).Single().Text.Should().Be("done");

        var arrivals = server.Arrivals;
        arrivals.Should().HaveCount(2);
        (arrivals[1] - arrivals[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950), "the 10 ms backoff alone would retry at once");
    }

    [Fact]
    public async Task Backoff_doubles_from_the_base_delay()
    {
        await using var server = await FakeChatServer.StartAsync(r => r.Index < 3 ? ChatReply.Error(500) : ChatReply.Ok("done"));
        using var policy = new OpenAiPolicy(Options(server) with { RetryBaseDelay = TimeSpan.FromMilliseconds(100) });

        await policy.ActAsync([Request()], CancellationToken.None);

        var arrivals = server.Arrivals;
        arrivals.Should().HaveCount(4);
        (arrivals[1] - arrivals[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(95));
        (arrivals[2] - arrivals[1]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(195));
        (arrivals[3] - arrivals[2]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(395));
    }

    [Fact]
    public async Task A_slow_server_times_out_each_attempt_and_then_fails()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Content: "late", Delay: TimeSpan.FromSeconds(5)));
        using var policy = new OpenAiPolicy(Options(server) with { Timeout = TimeSpan.FromMilliseconds(150), MaxRetries = 1 });
        var clock = Stopwatch.StartNew();

        var act = () => policy.ActAsync([Request()], CancellationToken.None).AsTask();

        var error = (await act.Should().ThrowAsync<ChatCompletionsException>()).Which;
        error.Message.Should().Contain("timed out after 0.15 s").And.Contain("2 attempts").And.Contain(server.BaseUrl + "/chat/completions");
        error.StatusCode.Should().BeNull();
        server.Requests.Should().Be(2);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_400_is_not_retried_and_fails_with_its_status_and_body()
    {
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Error(400, "{\"error\":{\"message\":\"max_tokens is too large\"}}"));
        using var policy = new OpenAiPolicy(Options(server));

        var act = () => policy.ActAsync([Request()], CancellationToken.None).AsTask();

        var error = (await act.Should().ThrowAsync<ChatCompletionsException>()).Which;
        error.StatusCode.Should().Be(400);
        error.Message.Should().StartWith("policy request to").And.Contain("HTTP 400").And.Contain("max_tokens is too large");
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task One_failed_request_fails_the_batch_with_its_own_error_not_a_cancellation()
    {
        await using var server = await FakeChatServer.StartAsync(r => r.LastUser == "2+3?" && r.Body.GetProperty("seed").GetInt64() == OpenAiPolicy.RequestSeed(2, 0, 1)
            ? ChatReply.Error(404, "{\"error\":{\"message\":\"model not found\"}}")
            : new ChatReply(Content: "ok", Delay: TimeSpan.FromSeconds(3)));
        using var policy = new OpenAiPolicy(Options(server));
        var clock = Stopwatch.StartNew();

        var act = () => policy.ActAsync([Request("a", 1), Request("b", 2), Request("c", 3)], CancellationToken.None).AsTask();

        (await act.Should().ThrowAsync<ChatCompletionsException>()).Which.Message.Should().Contain("HTTP 404").And.Contain("model not found");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2.5), "the batch's other requests are cancelled at the first failure");
    }

    [Fact]
    public async Task Unreadable_replies_fail_with_a_clear_message()
    {
        await using var server = await FakeChatServer.StartAsync(r => r.Index switch
        {
            0 => new ChatReply(Body: "{\"choices\":[]}"),
            1 => new ChatReply(Body: "<html>gateway</html>"),
            _ => new ChatReply(Body: "{\"choices\":[{\"message\":{\"content\":\"x\"},\"logprobs\":{\"content\":[{\"token\":\"x\"}]}}]}"),
        });
        using var policy = new OpenAiPolicy(Options(server));

        async Task<string> Failure()
        {
            var act = () => policy.ActAsync([Request()], CancellationToken.None).AsTask();
            return (await act.Should().ThrowAsync<ChatCompletionsException>()).Which.Message;
        }

        (await Failure()).Should().Contain("has no choices[0].message");
        (await Failure()).Should().Contain("not valid JSON").And.Contain("<html>gateway</html>");
        (await Failure()).Should().Contain("logprobs.content[0] without a numeric logprob");
        server.Requests.Should().Be(3, "a reply that arrived is not retried");
    }

    [Fact]
    public void Reply_parsing_reads_null_content_as_empty_and_the_finish_reason()
    {
        var reply = ChatCompletionReply.Parse(
            """{"choices":[{"index":0,"message":{"role":"assistant","content":null},"logprobs":{"content":[{"token":"a","logprob":-1.5,"bytes":[97]},{"token":"b","logprob":0}]},"finish_reason":"length"}]}""",
            new Uri("http://host/v1/chat/completions"));

        reply.Content.Should().BeEmpty();
        reply.LogProbs.Should().Equal(-1.5f, 0f);
        reply.FinishReason.Should().Be("length");
    }

    [Fact]
    public async Task The_api_key_is_read_from_the_named_variable_and_sent_as_a_bearer_token()
    {
        var variable = "GYM_OPENAI_POLICY_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "sk-test-9");
        try
        {
            await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("ok"));
            using var policy = new OpenAiPolicy(Options(server) with { ApiKeyEnv = variable });

            await policy.ActAsync([Request()], CancellationToken.None);

            server.Received.Single().Authorization.Should().Be("Bearer sk-test-9");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_missing_api_key_variable_is_a_clear_error_and_nothing_is_sent()
    {
        var variable = "GYM_OPENAI_POLICY_TEST_MISSING_" + Guid.NewGuid().ToString("N");
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.Ok("ok"));
        using var policy = new OpenAiPolicy(Options(server) with { ApiKeyEnv = variable });

        var act = () => policy.ActAsync([Request()], CancellationToken.None).AsTask();

        (await act.Should().ThrowAsync<ChatCompletionsException>()).Which.Message.Should().Contain(variable).And.Contain("not set");
        server.Requests.Should().Be(0);
    }

    [Fact]
    public async Task The_reachability_check_passes_a_server_without_a_model_list_but_not_a_dead_one_or_a_refused_key()
    {
        await using (var noList = await FakeChatServer.StartAsync(_ => ChatReply.Error(404)))
        {
            using var policy = new OpenAiPolicy(Options(noList));
            await policy.CheckReachableAsync();
            noList.Received.Single().Method.Should().Be("GET");
            noList.Received.Single().Path.Should().Be("/v1/models");
        }

        await using (var refusing = await FakeChatServer.StartAsync(_ => ChatReply.Error(401, "{\"error\":{\"message\":\"bad key\"}}")))
        {
            using var policy = new OpenAiPolicy(Options(refusing));
            var refused = () => policy.CheckReachableAsync();
            (await refused.Should().ThrowAsync<ChatCompletionsException>()).Which.Message.Should().Contain("HTTP 401").And.Contain("bad key");
        }

        using var dead = new OpenAiPolicy(new OpenAiPolicyOptions(new Uri("http://127.0.0.1:1/v1"), "m") { MaxRetries = 1, RetryBaseDelay = TimeSpan.Zero });
        var unreachable = () => dead.CheckReachableAsync();
        (await unreachable.Should().ThrowAsync<ChatCompletionsException>()).Which.Message.Should().Contain("http://127.0.0.1:1/v1/models").And.Contain("2 attempts");
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_request_failure()
    {
        await using var server = await FakeChatServer.StartAsync(_ => new ChatReply(Content: "late", Delay: TimeSpan.FromSeconds(5)));
        using var policy = new OpenAiPolicy(Options(server));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var act = () => policy.ActAsync([Request()], cancel.Token).AsTask();

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Theory]
    [InlineData("ftp://host/v1", "m", "base URL")]
    [InlineData("http://host/v1", " ", "model")]
    public void Invalid_endpoints_are_rejected(string url, string model, string names)
    {
        var act = () => new OpenAiPolicy(new OpenAiPolicyOptions(new Uri(url), model));

        act.Should().Throw<ArgumentException>().WithMessage($"*{names}*");
    }

    [Fact]
    public void Out_of_range_settings_are_rejected_naming_the_setting()
    {
        var options = new OpenAiPolicyOptions(new Uri("http://127.0.0.1:1/v1"), "m");
        FluentActions.Invoking(() => (options with { Temperature = 3 }).Validate()).Should().Throw<ArgumentException>().WithMessage("*temperature*");
        FluentActions.Invoking(() => (options with { TopP = 0 }).Validate()).Should().Throw<ArgumentException>().WithMessage("*top_p*");
        FluentActions.Invoking(() => (options with { MaxTokens = 0 }).Validate()).Should().Throw<ArgumentException>().WithMessage("*max_tokens*");
        FluentActions.Invoking(() => (options with { Stop = [""] }).Validate()).Should().Throw<ArgumentException>().WithMessage("*stop*");
        FluentActions.Invoking(() => (options with { MaxConcurrency = 0 }).Validate()).Should().Throw<ArgumentException>().WithMessage("*concurrency*");
        FluentActions.Invoking(() => (options with { MaxRetries = -1 }).Validate()).Should().Throw<ArgumentException>().WithMessage("*retries*");
        FluentActions.Invoking(() => (options with { Timeout = TimeSpan.Zero }).Validate()).Should().Throw<ArgumentException>().WithMessage("*timeout*");
    }

    [Fact]
    public void The_request_body_is_json_with_the_tool_message_named()
    {
        using var policy = new OpenAiPolicy(new OpenAiPolicyOptions(new Uri("http://127.0.0.1:1/v1"), "m"));
        using var document = JsonDocument.Parse(policy.BuildBody(Request()));
        document.RootElement.GetProperty("messages")[3].GetProperty("role").GetString().Should().Be("tool");
    }
}
