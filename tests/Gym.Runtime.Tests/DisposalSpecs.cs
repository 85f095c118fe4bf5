using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Facade;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>The runtime and the vector gym dispose every environment they create, however its episode ends.</summary>
public sealed class DisposalSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(FailureMode.None)]
    [InlineData(FailureMode.ThrowInStep)]
    [InlineData(FailureMode.ThrowInStepAsync)]
    [InlineData(FailureMode.ThrowInReset)]
    public async Task Every_environment_an_episode_slot_makes_is_disposed_once_when_its_episode_ends_or_crashes(FailureMode mode)
    {
        var log = new DisposalLog();
        var rig = new RuntimeRig(Sys, log.Registry(mode));
        var plan = new RolloutPlan(DisposalLog.Id, TestEnvironments.NoParameters, Episodes: 24, Concurrency: 6, Seed: 11);
        var sink = new InMemoryTrajectorySink();
        var runId = rig.Catalog.Add(new RunResources(new EchoPolicy(), sink, null));

        rig.Coordinator.Tell(new StartRollout(runId, plan), TestActor);
        var completed = await ExpectMsgAsync<RolloutCompleted>(RunTimeout);

        (completed.Finished + completed.Failed).Should().Be(24);
        if (mode != FailureMode.None)
        {
            completed.Failed.Should().BePositive("some seeds make the scripted environment throw");
        }

        log.Created.Should().Be(24, "each episode makes its own environment");
        log.Disposed.Should().Be(log.Created, "every environment made is disposed by the time the run reports completion");
        log.DisposedTwice.Should().Be(0);
    }

    [Fact]
    public async Task Disposing_a_vector_gym_disposes_each_slots_environment()
    {
        var log = new DisposalLog();
        var gym = VectorGym.Create(Sys, log.Registry(FailureMode.None), DisposalLog.Id, 5);
        await gym.ResetAsync(3);
        log.Created.Should().Be(5);
        log.Disposed.Should().Be(0, "the slots are still in use");

        await gym.DisposeAsync();
        await gym.DisposeAsync();

        log.Disposed.Should().Be(5);
        log.DisposedTwice.Should().Be(0);
    }

    [Fact]
    public void A_vector_gym_that_fails_to_make_a_slot_disposes_those_it_made()
    {
        var log = new DisposalLog { FailAfter = 3 };

        var act = () => VectorGym.Create(Sys, log.Registry(FailureMode.None), DisposalLog.Id, 5);

        act.Should().Throw<InvalidOperationException>();
        log.Created.Should().Be(3);
        log.Disposed.Should().Be(3);
    }

    /// <summary>Counts the environments its registry makes and their disposals.</summary>
    private sealed class DisposalLog
    {
        public const string Id = "test/tracked-v0";

        private int _created;
        private int _disposed;
        private int _disposedTwice;

        public int FailAfter { get; init; } = int.MaxValue;

        public int Created => Volatile.Read(ref _created);

        public int Disposed => Volatile.Read(ref _disposed);

        public int DisposedTwice => Volatile.Read(ref _disposedTwice);

        public EnvironmentRegistry Registry(FailureMode mode) => new EnvironmentRegistry().Register(
            new EnvironmentDescriptor(Id, "scripted environment that records its disposal", TestEnvironments.NoParameters, _ => Make(mode)));

        private TrackedEnvironment Make(FailureMode mode)
        {
            if (Created >= FailAfter)
            {
                throw new InvalidOperationException("no more environments");
            }

            Interlocked.Increment(ref _created);
            return new TrackedEnvironment(new ScriptedEnvironment(Id, mode), this);
        }

        /// <summary>The scripted environment, plus a disposal that is recorded (and idempotent).</summary>
        private sealed class TrackedEnvironment(ScriptedEnvironment inner, DisposalLog log) : IEnvironment, IDisposable
        {
            private int _disposed;

            public string Id => inner.Id;

            public int MaxTurns => inner.MaxTurns;

            public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                return inner.ResetAsync(seed, cancellationToken);
            }

            public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                return inner.StepAsync(action, cancellationToken);
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
