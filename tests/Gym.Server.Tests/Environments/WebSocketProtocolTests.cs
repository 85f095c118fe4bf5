using System.Net;
using System.Net.WebSockets;
using FluentAssertions;
using Gym.Server.Sessions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>The WebSocket session protocol over a real socket: every message and error path.</summary>
public sealed class WebSocketProtocolTests
{
    [Fact]
    public async Task One_connection_is_one_session_with_reset_step_state_and_close()
    {
        await using var h = await ServerHarness.StartAsync();
        using var socket = await h.ConnectAsync();
        h.Server.Sessions.Count.Should().Be(1);

        var reset = await socket.RequestAsync("{\"type\": \"reset\", \"seed\": 42, \"id\": 1}");
        ((string)reset["type"]!).Should().Be("reset");
        ((int)reset["id"]!).Should().Be(1);
        ((long)reset["seed"]!).Should().Be(42);
        ((string)reset["env_id"]!).Should().Be(ServerHarness.Arithmetic);
        reset["observation"]!.AsArray().Should().HaveCount(2);

        // The same seed over HTTP gives the same observation.
        var httpSession = await h.CreateSessionAsync();
        var httpReset = await h.PostOkAsync($"/sessions/{httpSession}/reset", "{\"seed\": 42}");
        httpReset["observation"]!.ToJsonString().Should().Be(reset["observation"]!.ToJsonString());

        var step = await socket.RequestAsync($"{{\"type\": \"step\", \"id\": \"two\", \"action\": {WebSocketMessages.Escape(ServerHarness.CalculatorCall)}}}");
        ((string)step["type"]!).Should().Be("step");
        ((string)step["id"]!).Should().Be("two");
        ((string)step["observation"]![0]!["content"]!).Should().Be("5");
        ((double)step["reward"]!).Should().BeApproximately(step["reward_breakdown"]!.AsArray().Sum(t => (double)t!["value"]!), 1e-12);

        var state = await socket.RequestAsync("{\"type\": \"state\"}");
        ((string)state["transport"]!).Should().Be("websocket");
        ((int)state["turn"]!).Should().Be(1);
        state["id"].Should().BeNull("no id was sent");

        var answer = await socket.RequestAsync("{\"type\": \"step\", \"action\": \"<answer>0</answer>\"}");
        ((bool)answer["terminated"]!).Should().BeTrue();
        var late = await socket.RequestAsync("{\"type\": \"step\", \"action\": \"x\"}");
        late.ShouldBeError("episode_done");
        ((string)late["type"]!).Should().Be("error");

        var closed = await socket.RequestAsync("{\"type\": \"close\", \"id\": 9}");
        ((string)closed["type"]!).Should().Be("closed");
        ((int)closed["id"]!).Should().Be(9);
        (await socket.ReceiveJsonAsync()).Should().BeNull("the server closes the connection after 'closed'");
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 1, TimeSpan.FromSeconds(10))).Should().BeTrue("only the HTTP session is left");
    }

    [Theory]
    [InlineData("{\"type\": \"reset\", \"seed\": ", "invalid_json")]
    [InlineData("\"reset\"", "invalid_request")]
    [InlineData("{\"seed\": 1}", "invalid_request")]
    [InlineData("{\"type\": 3}", "invalid_request")]
    [InlineData("{\"type\": \"jump\"}", "unknown_message_type")]
    [InlineData("{\"type\": \"reset\", \"seed\": \"x\"}", "invalid_request")]
    [InlineData("{\"type\": \"step\"}", "invalid_request")]
    [InlineData("{\"type\": \"step\", \"action\": \"x\"}", "not_reset")]
    [InlineData("{\"type\": \"state\", \"extra\": true}", "invalid_request")]
    public async Task A_bad_message_gets_an_error_and_the_connection_stays_usable(string message, string code)
    {
        await using var h = await ServerHarness.StartAsync();
        using var socket = await h.ConnectAsync();
        var error = await socket.RequestAsync(message);
        error.ShouldBeError(code);
        ((string)error["type"]!).Should().Be("error");

        var reset = await socket.RequestAsync("{\"type\": \"reset\", \"seed\": 1}");
        ((string)reset["type"]!).Should().Be("reset");
    }

    [Fact]
    public async Task An_error_echoes_the_id_of_a_message_it_could_read()
    {
        await using var h = await ServerHarness.StartAsync();
        using var socket = await h.ConnectAsync();
        var error = await socket.RequestAsync("{\"type\": \"jump\", \"id\": 77}");
        ((int)error["id"]!).Should().Be(77);
    }

    [Fact]
    public async Task A_message_over_the_limit_gets_an_error_and_close_code_1009()
    {
        await using var h = await ServerHarness.StartAsync(o => o with { MaxBodyBytes = 4096 });
        using var socket = await h.ConnectAsync();
        await socket.SendAsync("{\"type\": \"step\", \"action\": \"" + new string('x', 10_000) + "\"}");
        var error = await socket.ReceiveJsonAsync();
        error!.ShouldBeError("message_too_large");
        (await socket.ReceiveJsonAsync()).Should().BeNull();
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, TimeSpan.FromSeconds(10))).Should().BeTrue();
    }

    [Fact]
    public async Task Upgrade_errors_are_plain_http_answers()
    {
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { MaxSessions = 1 }) with { ApiKey = "k" });
        var unauthorized = await FailedUpgradeAsync(h, "env_id=tool-use/arithmetic-v0", apiKey: null);
        unauthorized.Should().Be(HttpStatusCode.Unauthorized);
        (await FailedUpgradeAsync(h, "env_id=nope", "k")).Should().Be(HttpStatusCode.BadRequest);
        (await FailedUpgradeAsync(h, "env_id=tool-use/arithmetic-v0&param=difficulty=99", "k")).Should().Be(HttpStatusCode.BadRequest);
        (await FailedUpgradeAsync(h, "env_id=tool-use/arithmetic-v0&colour=red", "k")).Should().Be(HttpStatusCode.BadRequest);

        using var first = await h.ConnectAsync(apiKey: "k");
        (await FailedUpgradeAsync(h, "env_id=tool-use/arithmetic-v0", "k")).Should().Be(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Parameters_in_the_query_shape_the_environment()
    {
        await using var h = await ServerHarness.StartAsync();
        using var socket = await h.ConnectAsync("env_id=tool-use/arithmetic-v0&param=max_turns=2");
        var reset = await socket.RequestAsync("{\"type\": \"reset\", \"seed\": 5}");
        ((int)reset["max_turns"]!).Should().Be(2);
        await socket.RequestAsync("{\"type\": \"step\", \"action\": \"nonsense\"}");
        var second = await socket.RequestAsync("{\"type\": \"step\", \"action\": \"nonsense\"}");
        ((bool)second["truncated"]!).Should().BeTrue();
        ((string)second["stop_reason"]!).Should().Be("max_turns");
    }

    [Fact]
    public async Task A_killed_client_frees_its_session()
    {
        await using var h = await ServerHarness.StartAsync();
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 5; i++)
        {
            var socket = await h.ConnectAsync();
            await socket.RequestAsync("{\"type\": \"reset\", \"seed\": 1}");
            sockets.Add(socket);
        }

        h.Server.Sessions.Count.Should().Be(5);
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, TimeSpan.FromSeconds(10))).Should().BeTrue("aborted connections free their sessions");
        (await h.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Should().Contain("gym_sessions_closed_total{reason=\"disconnected\"} 5");
    }

    [Fact]
    public async Task An_idle_websocket_session_is_closed_with_1008()
    {
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) }));
        using var socket = await h.ConnectAsync();
        (await socket.ReceiveJsonAsync()).Should().BeNull("the server closes an idle session");
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        socket.CloseStatusDescription.Should().Be("idle timeout");
        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, TimeSpan.FromSeconds(10))).Should().BeTrue();
    }

    [Fact]
    public async Task Stopping_the_server_closes_open_connections_with_1001()
    {
        var h = await ServerHarness.StartAsync();
        using var socket = await h.ConnectAsync();
        await socket.RequestAsync("{\"type\": \"reset\"}");
        var receive = socket.ReceiveJsonAsync();
        var stop = h.DisposeAsync().AsTask();
        (await receive).Should().BeNull();
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        await stop.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task<HttpStatusCode> FailedUpgradeAsync(ServerHarness h, string query, string? apiKey)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (apiKey is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {apiKey}");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var connect = () => socket.ConnectAsync(new Uri($"{h.Server.WebSocketUrl}?{query}"), timeout.Token);
        await connect.Should().ThrowAsync<WebSocketException>();
        return socket.HttpStatusCode;
    }
}
