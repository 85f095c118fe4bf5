using System.Diagnostics;
using FluentAssertions;
using Gym.Core.Rewards.Judging;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class JudgeClientTests
{
    [Fact]
    public async Task Posts_an_openai_chat_request_and_returns_the_message_content()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "Looks right. Score: 7");
        using var client = new JudgeClient(server.Endpoint("judge-x") with { MaxTokens = 64, Temperature = 0.5 });

        var reply = await client.CompleteAsync("be fair", "rate this");

        reply.Should().Be("Looks right. Score: 7");
        client.Requests.Should().Be(1);
        var request = server.Received.Should().ContainSingle().Subject;
        request.Path.Should().Be("/v1/chat/completions");
        request.Model.Should().Be("judge-x");
        request.Temperature.Should().Be(0.5);
        request.MaxTokens.Should().Be(64);
        request.Messages.Should().Equal(("system", "be fair"), ("user", "rate this"));
        request.Authorization.Should().BeNull();
    }

    [Fact]
    public async Task Defaults_are_temperature_0_and_512_tokens_and_an_empty_system_message_is_left_out()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "ok");
        using var client = new JudgeClient(new JudgeEndpoint(new Uri(server.BaseUrl + "/"), "m"));

        await client.CompleteAsync("", "only the user speaks");

        var request = server.Received.Should().ContainSingle().Subject;
        request.Path.Should().Be("/v1/chat/completions", "a trailing slash on the base URL must not double up");
        request.Temperature.Should().Be(0);
        request.MaxTokens.Should().Be(512);
        request.Messages.Should().Equal(("user", "only the user speaks"));
    }

    [Fact]
    public async Task A_500_is_retried_until_the_server_recovers()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => r.Index < 2 ? ServerReply.Error(500) : ServerReply.Ok("fine"));
        using var client = new JudgeClient(server.Endpoint());

        var reply = await client.CompleteAsync("s", "u");

        reply.Should().Be("fine");
        server.Requests.Should().Be(3);
        client.Requests.Should().Be(3);
    }

    [Fact]
    public async Task A_400_is_not_retried_and_throws_with_status_and_body_excerpt()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => ServerReply.Error(400, "{\"error\":\"max_tokens is too large\"}"));
        using var client = new JudgeClient(server.Endpoint());

        var act = () => client.CompleteAsync("s", "u");

        var error = (await act.Should().ThrowAsync<JudgeException>()).Which;
        error.StatusCode.Should().Be(400);
        error.Message.Should().Contain("HTTP 400").And.Contain("max_tokens is too large");
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task Exhausted_retries_throw_with_the_last_status()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => ServerReply.Error(503, new string('x', 5000)));
        using var client = new JudgeClient(server.Endpoint() with { MaxRetries = 2 });

        var act = () => client.CompleteAsync("s", "u");

        var error = (await act.Should().ThrowAsync<JudgeException>()).Which;
        error.StatusCode.Should().Be(503);
        error.Message.Should().Contain("HTTP 503").And.Contain("3 attempts");
        error.Message.Length.Should().BeLessThan(600, "only a short excerpt of the body is quoted");
        server.Requests.Should().Be(3);
    }

    [Fact]
    public async Task A_timeout_is_retried_then_throws()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => new ServerReply(Content: "late", Delay: TimeSpan.FromSeconds(5)));
        using var client = new JudgeClient(server.Endpoint() with { Timeout = TimeSpan.FromMilliseconds(150), MaxRetries = 1 });
        var clock = Stopwatch.StartNew();

        var act = () => client.CompleteAsync("s", "u");

        var error = (await act.Should().ThrowAsync<JudgeException>()).Which;
        error.Message.Should().Contain("timed out").And.Contain("2 attempts");
        error.StatusCode.Should().BeNull();
        client.Requests.Should().Be(2);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_timed_out_attempt_is_followed_by_a_successful_retry()
    {
        await using var server = await FakeJudgeServer.StartAsync(r =>
            r.Index == 0 ? new ServerReply(Content: "late", Delay: TimeSpan.FromSeconds(5)) : ServerReply.Ok("on time"));
        using var client = new JudgeClient(server.Endpoint() with { Timeout = TimeSpan.FromMilliseconds(400) });

        (await client.CompleteAsync("s", "u")).Should().Be("on time");
        server.Requests.Should().Be(2);
    }

    [Fact]
    public async Task A_dropped_connection_is_retried()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => r.Index == 0 ? new ServerReply(Abort: true) : ServerReply.Ok("back"));
        using var client = new JudgeClient(server.Endpoint());

        (await client.CompleteAsync("s", "u")).Should().Be("back");
        server.Requests.Should().Be(2);
    }

    [Fact]
    public async Task A_429_waits_as_long_as_Retry_After_says()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => r.Index == 0 ? ServerReply.Error(429, retryAfter: "1") : ServerReply.Ok("done"));
        using var client = new JudgeClient(server.Endpoint());

        (await client.CompleteAsync("s", "u")).Should().Be("done");

        var arrivals = server.Arrivals;
        arrivals.Should().HaveCount(2);
        (arrivals[1] - arrivals[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950), "the 10 ms backoff alone would retry at once");
    }

    [Fact]
    public async Task Retry_After_is_capped()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => r.Index == 0 ? ServerReply.Error(429, retryAfter: "120") : ServerReply.Ok("done"));
        using var client = new JudgeClient(server.Endpoint() with { MaxRetryAfter = TimeSpan.FromMilliseconds(200) });
        var clock = Stopwatch.StartNew();

        (await client.CompleteAsync("s", "u")).Should().Be("done");

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
        var arrivals = server.Arrivals;
        (arrivals[1] - arrivals[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(180));
    }

    [Fact]
    public void Retry_After_is_capped_at_10_seconds_and_backoff_starts_at_200_ms_by_default()
    {
        var endpoint = new JudgeEndpoint(new Uri("http://127.0.0.1:1/v1"), "m");
        endpoint.MaxRetryAfter.Should().Be(TimeSpan.FromSeconds(10));
        endpoint.RetryBaseDelay.Should().Be(TimeSpan.FromMilliseconds(200));
        endpoint.MaxRetries.Should().Be(2);
        endpoint.Timeout.Should().Be(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_api_key_is_read_from_the_named_environment_variable_and_sent_as_a_bearer_token()
    {
        var variable = "GYM_JUDGE_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "sk-test-123");
        try
        {
            await using var server = await FakeJudgeServer.StartAsync(_ => "ok");
            using var client = new JudgeClient(server.Endpoint() with { ApiKeyEnv = variable });

            await client.CompleteAsync("s", "u");

            server.Received.Single().Authorization.Should().Be("Bearer sk-test-123");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_missing_api_key_variable_is_a_clear_error_and_nothing_is_sent()
    {
        var variable = "GYM_JUDGE_TEST_MISSING_" + Guid.NewGuid().ToString("N");
        await using var server = await FakeJudgeServer.StartAsync(_ => "ok");
        using var client = new JudgeClient(server.Endpoint() with { ApiKeyEnv = variable });

        var act = () => client.CompleteAsync("s", "u");

        (await act.Should().ThrowAsync<JudgeException>()).Which.Message.Should().Contain(variable).And.Contain("not set");
        server.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_judge_failure()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => new ServerReply(Content: "late", Delay: TimeSpan.FromSeconds(5)));
        using var client = new JudgeClient(server.Endpoint() with { Timeout = TimeSpan.FromSeconds(5) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var act = () => client.CompleteAsync("s", "u", cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task A_reply_without_message_content_is_not_retried()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => new ServerReply(Body: "{\"choices\":[]}"));
        using var client = new JudgeClient(server.Endpoint());

        var act = () => client.CompleteAsync("s", "u");

        (await act.Should().ThrowAsync<JudgeException>()).Which.Message.Should().Contain("choices[0].message.content");
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task Concurrent_requests_share_one_client()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => "echo " + r.User);
        using var client = new JudgeClient(server.Endpoint());

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => client.CompleteAsync("s", $"q{i}")));

        replies.Should().Equal(Enumerable.Range(0, 16).Select(i => $"echo q{i}"));
        client.Requests.Should().Be(16);
    }

    [Theory]
    [InlineData("ftp://host/v1", "m")]
    [InlineData("http://host/v1", " ")]
    public void Invalid_endpoints_are_rejected(string url, string model)
    {
        var act = () => new JudgeClient(new JudgeEndpoint(new Uri(url), model));

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Negative_retries_are_rejected()
    {
        var act = () => new JudgeClient(new JudgeEndpoint(new Uri("http://127.0.0.1:1/v1"), "m") { MaxRetries = -1 });

        act.Should().Throw<ArgumentException>().WithMessage("*retries*");
    }
}
