using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Server.Sessions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>A session owns its environment: it is disposed once when the session closes, whether the client closes it, it expires or the server stops.</summary>
public sealed class SessionDisposalTests
{
    private const string Tracked = "test/tracked-v0";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Closing_a_session_disposes_its_environment_once()
    {
        var log = new DisposalLog();
        await using var h = await ServerHarness.StartAsync(null, log.Register, Tracked);
        log.Created.Should().Be(1, "the server builds each served environment once before listening");
        log.Disposed.Should().Be(1, "and disposes that probe at once");
        var id = (string)(await h.PostOkAsync("/sessions"))["session_id"]!;
        await h.PostOkAsync($"/sessions/{id}/reset", "{\"seed\": 1}");
        log.Created.Should().Be(2);
        log.Disposed.Should().Be(1, "the session is open");

        (await h.SendAsync(HttpMethod.Delete, $"/sessions/{id}")).Status.Should().Be(200);

        (await ServerHarness.EventuallyAsync(() => log.Disposed == 2, Limit)).Should().BeTrue("closing the session disposes its environment");
        log.DisposedTwice.Should().Be(0);
    }

    [Fact]
    public async Task An_expired_session_disposes_its_environment()
    {
        var log = new DisposalLog();
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) }), log.Register, Tracked);
        await h.PostOkAsync("/sessions");

        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, Limit)).Should().BeTrue("the idle session expires");
        (await ServerHarness.EventuallyAsync(() => log.Disposed == 2, Limit)).Should().BeTrue("expiry disposes the session's environment (and the start-up probe was disposed)");
    }

    [Fact]
    public async Task Stopping_the_server_disposes_every_open_sessions_environment()
    {
        var log = new DisposalLog();
        var h = await ServerHarness.StartAsync(null, log.Register, Tracked);
        for (var i = 0; i < 3; i++)
        {
            await h.PostOkAsync("/sessions");
        }

        await h.DisposeAsync();

        log.Created.Should().Be(4, "three sessions and the start-up probe");
        (await ServerHarness.EventuallyAsync(() => log.Disposed == 4, Limit)).Should().BeTrue("shutdown closes every session");
        log.DisposedTwice.Should().Be(0);
    }

    /// <summary>Counts the environments its descriptor makes and their disposals.</summary>
    private sealed class DisposalLog
    {
        private int _created;
        private int _disposed;
        private int _disposedTwice;

        public int Created => Volatile.Read(ref _created);

        public int Disposed => Volatile.Read(ref _disposed);

        public int DisposedTwice => Volatile.Read(ref _disposedTwice);

        public void Register(EnvironmentRegistry registry) =>
            registry.Register(new EnvironmentDescriptor(Tracked, "one-turn environment that records its disposal", new Dictionary<string, string>(), _ =>
            {
                Interlocked.Increment(ref _created);
                return new TrackedEnvironment(this);
            }));

        /// <summary>A one-turn environment whose every answer ends the episode.</summary>
        private sealed class TrackedEnvironment(DisposalLog log) : IEnvironment, IDisposable
        {
            private int _disposed;

            public string Id => Tracked;

            public int MaxTurns => 1;

            public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                return ValueTask.FromResult(new ResetResult([ChatMessage.System("tracked"), ChatMessage.User("say anything")], StepInfo.Empty));
            }

            public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                var breakdown = new RewardBreakdown([new RewardTerm("done", RewardKind.Outcome, 1, 1)]);
                return ValueTask.FromResult(new StepResult([], breakdown.Total, breakdown, true, false, StopReason.Answered, StepInfo.Empty, []));
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Increment(ref log._disposed);
                }
                else
                {
                    Interlocked.Increment(ref log._disposedTwice);
                }
            }
        }
    }
}
