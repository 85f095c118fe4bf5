using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Server.Sessions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>An environment that throws or hangs: a JSON error, never a stack trace, and the session recovers or is closed.</summary>
public sealed class FailingEnvironmentTests
{
    private const string Faulty = "test/faulty-v0";

    [Fact]
    public async Task An_environment_that_throws_gives_environment_error_and_a_reset_recovers()
    {
        await using var h = await ServerHarness.StartAsync(null, Register, Faulty);
        var id = (string)(await h.PostOkAsync("/sessions"))["session_id"]!;
        await h.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");

        var (status, error, _) = await h.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", "{\"action\": \"throw\"}");
        status.Should().Be(500);
        error!.ShouldBeError("environment_error");
        ((string)error!["error"]!["message"]!).Should().Contain("the tool exploded");

        var (_, state, _) = await h.SendAsync(HttpMethod.Get, $"/sessions/{id}");
        ((string)state!["status"]!).Should().Be("failed");
        ((string)state["stop_reason"]!).Should().Be("error");
        var (blocked, failed, _) = await h.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", "{\"action\": \"ok\"}");
        blocked.Should().Be(409);
        failed!.ShouldBeError("episode_failed");

        await h.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 2}");
        (await h.PostOkAsync($"/sessions/{id}/step", "{\"action\": \"ok\"}"))["terminated"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public async Task An_environment_that_hangs_gives_timeout_and_the_session_is_closed()
    {
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { StepTimeout = TimeSpan.FromMilliseconds(300) }), Register, Faulty);
        using var socket = await h.ConnectAsync("");
        await socket.RequestAsync("{\"type\": \"reset\", \"seed\": 1}");
        await socket.SendAsync("{\"type\": \"step\", \"action\": \"hang\"}");
        // The session closes at the timeout (close 1011); the error answer may or may not get out first.
        var answer = await socket.ReceiveJsonAsync();
        if (answer is not null)
        {
            answer.ShouldBeError("timeout");
            (await socket.ReceiveJsonAsync()).Should().BeNull();
        }

        socket.CloseStatus.Should().Be(System.Net.WebSockets.WebSocketCloseStatus.InternalServerError);
        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, TimeSpan.FromSeconds(10))).Should().BeTrue();

        var id = (string)(await h.PostOkAsync("/sessions"))["session_id"]!;
        await h.PostOkAsync($"/sessions/{id}/reset", "{}");
        var (status, error, _) = await h.SendAsync(HttpMethod.Post, $"/sessions/{id}/step", "{\"action\": \"hang\"}");
        status.Should().Be(504);
        error!.ShouldBeError("timeout");
        (await h.SendAsync(HttpMethod.Get, $"/sessions/{id}")).Status.Should().Be(404);
        h.Log.Should().BeEmpty("an environment's failure is the client's answer, not a server failure");
    }

    private static void Register(EnvironmentRegistry registry) =>
        registry.Register(new EnvironmentDescriptor(Faulty, "throws on 'throw', hangs on 'hang', answers anything else", new Dictionary<string, string>(), _ => new FaultyEnvironment()));

    private sealed class FaultyEnvironment : IEnvironment
    {
        public string Id => Faulty;

        public int MaxTurns => 3;

        public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new ResetResult([ChatMessage.User($"task {seed}")], StepInfo.Empty));

        public async ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
        {
            switch (action.Text)
            {
                case "throw":
                    throw new InvalidOperationException("the tool exploded");
                case "hang":
                    await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                    break;
            }

            return new StepResult([], 1, new RewardBreakdown([new RewardTerm("done", RewardKind.Outcome, 1, 1)]), true, false, StopReason.Answered, StepInfo.Empty, []);
        }
    }
}
