using System.Net.Http.Headers;
using System.Text;
using FluentAssertions;
using Gym.Server.Sessions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>The HTTP session protocol over a real socket: every endpoint and every error path.</summary>
public sealed class HttpProtocolTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private ServerHarness H => shared.Harness;

    [Fact]
    public async Task Health_and_scenarios_describe_the_server()
    {
        var (status, health, _) = await H.SendAsync(HttpMethod.Get, "/health");
        status.Should().Be(200);
        ((string)health!["status"]!).Should().Be("ok");
        ((int)health["max_sessions"]!).Should().Be(4096);

        var (_, scenarios, _) = await H.SendAsync(HttpMethod.Get, "/scenarios");
        var ids = scenarios!["scenarios"]!.AsArray().Select(s => (string)s!["id"]!).ToList();
        ids.Should().Equal(ServerHarness.Arithmetic, ServerHarness.Easy);
        ((string)scenarios["scenarios"]![0]!["parameters"]!["difficulty"]!).Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_session_resets_steps_reports_its_state_and_closes()
    {
        var (status, created, response) = await H.SendAsync(HttpMethod.Post, "/sessions", $"{{\"env_id\": \"{ServerHarness.Arithmetic}\"}}");
        status.Should().Be(201);
        var id = (string)created!["session_id"]!;
        response.Headers.Location!.ToString().Should().Be($"/sessions/{id}");
        ((int)created["max_turns"]!).Should().BeGreaterThan(1);

        var reset = await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 42}");
        ((string)reset["type"]!).Should().Be("reset");
        ((long)reset["seed"]!).Should().Be(42);
        ((int)reset["episode"]!).Should().Be(0);
        var observation = reset["observation"]!.AsArray();
        observation.Select(m => (string)m!["role"]!).Should().Equal("system", "user");

        var step = await H.PostOkAsync($"/sessions/{id}/step", $"{{\"action\": {WebSocketMessages.Escape(ServerHarness.CalculatorCall)}}}");
        ((string)step["type"]!).Should().Be("step");
        ((int)step["turn"]!).Should().Be(1);
        ((string)step["observation"]![0]!["role"]!).Should().Be("tool");
        ((string)step["observation"]![0]!["content"]!).Should().Be("5");
        var breakdown = step["reward_breakdown"]!.AsArray();
        breakdown.Sum(t => (double)t!["value"]!).Should().BeApproximately((double)step["reward"]!, 1e-12);
        breakdown.Select(t => (string)t!["kind"]!).Should().OnlyContain(k => k == "process" || k == "outcome");
        ((bool)step["terminated"]!).Should().BeFalse();
        ((bool)step["truncated"]!).Should().BeFalse();
        ((string)step["stop_reason"]!).Should().Be("none");
        step["info"]!.GetValueKind().Should().Be(System.Text.Json.JsonValueKind.Object);
        ((string)step["tool_calls"]![0]!["name"]!).Should().Be("calculator");

        var (_, state, _) = await H.SendAsync(HttpMethod.Get, $"/sessions/{id}");
        ((string)state!["type"]!).Should().Be("state");
        ((string)state["status"]!).Should().Be("running");
        ((string)state["transport"]!).Should().Be("http");
        ((int)state["turn"]!).Should().Be(1);
        ((double)state["episode_reward"]!).Should().BeApproximately((double)step["reward"]!, 1e-12);

        var (deleted, closed, _) = await H.SendAsync(HttpMethod.Delete, $"/sessions/{id}");
        deleted.Should().Be(200);
        ((string)closed!["type"]!).Should().Be("closed");

        var (gone, error, _) = await H.SendAsync(HttpMethod.Get, $"/sessions/{id}");
        gone.Should().Be(404);
        error!.ShouldBeError("session_not_found");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_first_observation_in_any_session()
    {
        var a = await H.CreateSessionAsync();
        var b = await H.CreateSessionAsync();
        var first = await H.PostOkAsync($"/sessions/{a}/reset", "{\"seed\": 7}");
        var second = await H.PostOkAsync($"/sessions/{b}/reset", "{\"seed\": 7}");
        first["observation"]!.ToJsonString().Should().Be(second["observation"]!.ToJsonString());
        var other = await H.PostOkAsync($"/sessions/{b}/reset", "{\"seed\": 8}");
        other["observation"]!.ToJsonString().Should().NotBe(first["observation"]!.ToJsonString());

        // A seedless reset reports the seed it used, and that seed replays it.
        var drawn = await H.PostOkAsync($"/sessions/{a}/reset");
        ((int)drawn["episode"]!).Should().Be(1);
        var replay = await H.PostOkAsync($"/sessions/{b}/reset", $"{{\"seed\": {(long)drawn["seed"]!}}}");
        replay["observation"]!.ToJsonString().Should().Be(drawn["observation"]!.ToJsonString());
    }

    [Fact]
    public async Task Stepping_before_reset_or_after_the_end_is_a_conflict()
    {
        var id = await H.CreateSessionAsync();
        var (early, error, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", "{\"action\": \"hi\"}");
        early.Should().Be(409);
        error!.ShouldBeError("not_reset");

        await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");
        var end = await H.PostOkAsync($"/sessions/{id}/step", "{\"action\": \"<answer>12</answer>\"}");
        ((bool)end["terminated"]!).Should().BeTrue();
        ((string)end["stop_reason"]!).Should().Be("answered");
        end["info"]!["is_success"].Should().NotBeNull();

        var (late, done, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", "{\"action\": \"hi\"}");
        late.Should().Be(409);
        done!.ShouldBeError("episode_done");
        (await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}"))["episode"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task An_action_may_carry_token_ids_and_logprobs()
    {
        var id = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 3}");
        var step = await H.PostOkAsync($"/sessions/{id}/step", "{\"action\": {\"text\": \"<answer>1</answer>\", \"token_ids\": [1, 2], \"logprobs\": [-0.5, -0.25]}}");
        ((bool)step["terminated"]!).Should().BeTrue();

        var other = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{other}/reset", "{\"seed\": 3}");
        var (status, error, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{other}/step", "{\"action\": {\"text\": \"x\", \"token_ids\": [1, 2], \"logprobs\": [-0.5]}}");
        status.Should().Be(400);
        error!.ShouldBeError("invalid_request");
        ((string)error!["error"]!["message"]!).Should().Contain("logprobs");
    }

    [Theory]
    [InlineData("{\"seed\": ", "invalid_json")]
    [InlineData("[1, 2]", "invalid_request")]
    [InlineData("{\"seed\": \"seven\"}", "invalid_request")]
    [InlineData("{\"seed\": 1.5}", "invalid_request")]
    [InlineData("{\"sed\": 1}", "invalid_request")]
    [InlineData("{\"attempt\": -1}", "invalid_request")]
    public async Task A_bad_reset_body_is_a_400_naming_the_problem(string body, string code)
    {
        var id = await H.CreateSessionAsync();
        var (status, error, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{id}/reset", body);
        status.Should().Be(400);
        error!.ShouldBeError(code);
    }

    [Theory]
    [InlineData("", "invalid_request")]
    [InlineData("{}", "invalid_request")]
    [InlineData("{\"action\": 5}", "invalid_request")]
    [InlineData("{\"action\": {\"txt\": \"x\"}}", "invalid_request")]
    [InlineData("{\"action\": \"x\"", "invalid_json")]
    public async Task A_bad_step_body_is_a_400_naming_the_problem(string body, string code)
    {
        var id = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");
        var (status, error, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", body);
        status.Should().Be(400);
        error!.ShouldBeError(code);
    }

    [Theory]
    [InlineData("{\"env_id\": \"tool-use/arithmetc-v0\"}", "unknown_environment", "did you mean 'tool-use/arithmetic-v0'")]
    [InlineData("{}", "invalid_request", "env_id")]
    [InlineData("{\"env_id\": \"tool-use/arithmetic-v0\", \"params\": {\"difficulty\": 9}}", "invalid_parameters", "difficulty")]
    [InlineData("{\"env_id\": \"tool-use/arithmetic-v0\", \"params\": {\"colour\": \"red\"}}", "invalid_parameters", "colour")]
    public async Task Creating_a_session_checks_the_environment_and_its_parameters(string body, string code, string mention)
    {
        var (status, error, _) = await H.SendAsync(HttpMethod.Post, "/sessions", body);
        status.Should().Be(400);
        error!.ShouldBeError(code);
        ((string)error!["error"]!["message"]!).Should().Contain(mention);
    }

    [Fact]
    public async Task Parameters_shape_the_session_environment()
    {
        var created = await H.PostOkAsync("/sessions", "{\"env_id\": \"tool-use/arithmetic-v0\", \"params\": {\"max_turns\": 2}}");
        ((int)created["max_turns"]!).Should().Be(2);
    }

    [Theory]
    [InlineData("GET", "/nowhere", 404, "not_found")]
    [InlineData("GET", "/sessions/deadbeef", 404, "session_not_found")]
    [InlineData("POST", "/sessions/deadbeef/step", 404, "session_not_found")]
    [InlineData("DELETE", "/sessions/deadbeef", 404, "session_not_found")]
    [InlineData("PUT", "/sessions", 405, "method_not_allowed")]
    [InlineData("GET", "/sessions/deadbeef/reset", 405, "method_not_allowed")]
    [InlineData("GET", "/ws", 400, "not_websocket")]
    public async Task Unknown_paths_sessions_and_methods_get_json_errors(string method, string path, int expected, string code)
    {
        var (status, error, response) = await H.SendAsync(new HttpMethod(method), path, method == "GET" ? null : "{\"action\": \"x\"}");
        status.Should().Be(expected);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        error!.ShouldBeError(code);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413()
    {
        var id = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");
        var huge = "{\"action\": \"" + new string('x', 2 * 1024 * 1024) + "\"}";
        var (status, error, _) = await H.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", huge);
        status.Should().Be(413);
        error!.ShouldBeError("body_too_large");

        // Also without a Content-Length (chunked), where the limit is found while reading.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{id}/step") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))) };
        request.Headers.TransferEncodingChunked = true;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunked = await H.Http.SendAsync(request);
        ((int)chunked.StatusCode).Should().Be(413);
    }

    [Fact]
    public async Task A_stalled_body_is_a_408_in_gyms_words_and_the_connection_closes()
    {
        var id = await H.CreateSessionAsync();
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", H.Server.Url.Port);
        var stream = client.GetStream();
        var head = $"POST /sessions/{id}/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"seed\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        // Nothing more comes: Kestrel's minimum data rate gives up after its 5 s grace period.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Reset after the answer: what came is the answer.
        }

        var text = answer.ToString();
        text.Should().StartWith("HTTP/1.1 408");
        text.Should().Contain("\"body_timeout\"").And.Contain("arrived too slowly").And.NotContain("MinRequestBodyDataRate");
        text.Should().MatchRegex("(?im)^connection: close");
    }

    [Fact]
    public async Task Metrics_are_in_the_prometheus_text_format()
    {
        var id = await H.CreateSessionAsync();
        await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");
        await H.PostOkAsync($"/sessions/{id}/step", "{\"action\": \"hello\"}");
        await H.SendAsync(HttpMethod.Get, "/sessions/nope");

        var response = await H.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("# TYPE gym_sessions_active gauge")
            .And.Contain("# TYPE gym_steps_total counter")
            .And.Contain("# TYPE gym_step_latency_seconds histogram")
            .And.Contain("gym_step_latency_seconds_bucket{le=\"+Inf\"}")
            .And.Contain("gym_step_latency_seconds_count")
            .And.Contain("gym_errors_total{code=\"session_not_found\"}")
            .And.Contain("gym_sessions_closed_total{reason=\"expired\"}");
        var steps = text.Split('\n').Single(l => l.StartsWith("gym_steps_total ", StringComparison.Ordinal));
        long.Parse(steps["gym_steps_total ".Length..], System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(1);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            line.Should().MatchRegex(@"^[a-z_]+(\{[a-z_]+=""[^""]*""\})? [0-9.eE+-]+$");
        }
    }

    [Fact]
    public async Task A_deleted_session_is_gone_and_cannot_be_deleted_twice()
    {
        var id = await H.CreateSessionAsync();
        (await H.SendAsync(HttpMethod.Delete, $"/sessions/{id}")).Status.Should().Be(200);
        var (status, error, _) = await H.SendAsync(HttpMethod.Delete, $"/sessions/{id}");
        status.Should().Be(404);
        error!.ShouldBeError("session_not_found");
    }

    [Fact]
    public async Task An_attempt_replays_the_task_of_its_seed_and_is_reported()
    {
        var id = await H.CreateSessionAsync();
        var first = await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 11, \"attempt\": 0}");
        var second = await H.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 11, \"attempt\": 2}");
        ((int)second["attempt"]!).Should().Be(2);
        ((long)second["seed"]!).Should().Be(11);
        second["observation"]!.ToJsonString().Should().Be(first["observation"]!.ToJsonString(), "arithmetic has no environment noise: every attempt is the same task");
    }
}

/// <summary>Server options: session limit, API key, idle expiry.</summary>
public sealed class HttpLimitsTests
{
    [Fact]
    public async Task A_full_server_answers_503_with_retry_after()
    {
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { MaxSessions = 2 }));
        await h.CreateSessionAsync();
        var second = await h.CreateSessionAsync();
        var (status, error, response) = await h.SendAsync(HttpMethod.Post, "/sessions", "{\"env_id\": \"tool-use/arithmetic-v0\"}");
        status.Should().Be(503);
        error!.ShouldBeError("too_many_sessions");
        response.Headers.RetryAfter!.Delta.Should().BeGreaterThan(TimeSpan.Zero);

        await h.SendAsync(HttpMethod.Delete, $"/sessions/{second}");
        await h.CreateSessionAsync();
        h.Server.Sessions.Count.Should().Be(2);
    }

    [Fact]
    public async Task With_an_api_key_every_endpoint_but_health_needs_the_bearer_token()
    {
        await using var h = await ServerHarness.StartAsync(o => o with { ApiKey = "s3cret" });
        (await h.SendAsync(HttpMethod.Get, "/scenarios")).Status.Should().Be(200);
        await h.CreateSessionAsync();

        using var anonymous = new HttpClient { BaseAddress = h.Server.Url };
        (await anonymous.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        foreach (var path in new[] { "/scenarios", "/metrics", "/sessions/x" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            ((int)response.StatusCode).Should().Be(401, path);
            response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
            System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.ShouldBeError("unauthorized");
        }

        using var wrong = new HttpClient { BaseAddress = h.Server.Url };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
        using var refused = await wrong.PostAsync(new Uri("/sessions", UriKind.Relative), new StringContent("{}"));
        ((int)refused.StatusCode).Should().Be(401);
    }

    [Fact]
    public async Task Idle_sessions_expire()
    {
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) }));
        var id = await h.CreateSessionAsync();
        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, TimeSpan.FromSeconds(10))).Should().BeTrue();
        var (status, error, _) = await h.SendAsync(HttpMethod.Post, $"/sessions/{id}/reset", "{}");
        status.Should().Be(404);
        error!.ShouldBeError("session_not_found");
        (await h.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Should().Contain("gym_sessions_closed_total{reason=\"expired\"} 1");
    }
}
