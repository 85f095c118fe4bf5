using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>
/// Episode actors are long-lived slots: a run plays its episodes on at most its concurrency of
/// them, replaces a slot that crashed, and stops them all when it ends. The sink actor writes one
/// episode at a time, in order, whether the sink answers synchronously or not.
/// </summary>
public sealed class EpisodeSlotSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_run_reuses_at_most_concurrency_episode_actors_and_stops_them_at_its_end()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 40, Concurrency: 4, Seed: 31);
        var sink = new InMemoryTrajectorySink();

        var run = rig.Runner.RunAsync(plan, new EchoPolicy(delay: TimeSpan.FromMilliseconds(2)), sink);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!run.IsCompleted)
        {
            seen.UnionWith(await ChildNamesAsync(rig.Coordinator, TimeSpan.FromMilliseconds(50)));
        }

        var result = await run.WaitAsync(RunTimeout);

        result.Completion.Should().Be(new RolloutCompleted(result.Completion.RunId, 40, 0, 0, null));
        sink.Snapshot().Select(r => r.Episode).Should().Equal(Enumerable.Range(0, 40).Select(i => (long)i));
        sink.Snapshot().ToList().ForEach(SupervisionSpecs.AssertCompleted);
        seen.Should().NotBeEmpty().And.BeSubsetOf(Enumerable.Range(0, 4).Select(i => $"{result.Completion.RunId}-slot-{i}"), "no slot is created beyond the concurrency when none crashes");
        await AwaitAssertAsync(async () => (await ChildNamesAsync(rig.Coordinator, TimeSpan.FromMilliseconds(200))).Should().BeEmpty("a finished run stops its slots"), RunTimeout);
    }

    [Fact]
    public async Task A_crashed_slot_is_replaced_and_later_episodes_on_the_other_slots_are_unaffected()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Throwing, TestEnvironments.NoParameters, Episodes: 60, Concurrency: 2, Seed: 9);
        var failing = SupervisionSpecs.FailingEpisodes(plan);
        var sink = new InMemoryTrajectorySink();

        var result = await rig.Runner.RunAsync(plan, new EchoPolicy(), sink).WaitAsync(RunTimeout);

        result.Completion.Should().Be(new RolloutCompleted(result.Completion.RunId, 60 - failing.Count, failing.Count, 0, null));
        foreach (var record in sink.Snapshot())
        {
            if (failing.Contains(record.Episode))
            {
                record.Error.Should().StartWith("episode crashed: InvalidOperationException: ");
                record.Turns.Should().HaveCount(ScriptedEnvironment.FailingTurn);
            }
            else
            {
                SupervisionSpecs.AssertCompleted(record);
            }
        }

        await AwaitAssertAsync(async () => (await ChildNamesAsync(rig.Coordinator, TimeSpan.FromMilliseconds(200))).Should().BeEmpty(), RunTimeout);
    }

    [Fact]
    public async Task Two_runs_at_once_keep_their_own_slots_and_episodes()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 30, Concurrency: 3, Seed: 4);
        var first = new InMemoryTrajectorySink();
        var second = new InMemoryTrajectorySink();

        var results = await Task.WhenAll(
            rig.Runner.RunAsync(plan, new EchoPolicy("one"), first),
            rig.Runner.RunAsync(plan with { Seed = 5 }, new EchoPolicy("two"), second)).WaitAsync(RunTimeout);

        results.Should().OnlyContain(r => r.Completion.Finished == 30 && r.Completion.Failed == 0);
        first.Snapshot().Should().OnlyContain(r => r.PolicyId == "echo:one" && r.Turns.All(t => t.Action.Text.StartsWith("one ", StringComparison.Ordinal)));
        second.Snapshot().Should().OnlyContain(r => r.PolicyId == "echo:two" && r.Turns.All(t => t.Action.Text.StartsWith("two ", StringComparison.Ordinal)));
        first.Snapshot().Select(r => r.Seed).Should().Equal(Enumerable.Range(0, 30).Select(i => plan.SeedOf(i)));
    }

    [Fact]
    public async Task Writes_are_one_at_a_time_in_arrival_order_whether_the_sink_answers_at_once_or_later()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 60, Concurrency: 8, Seed: 12);
        var sink = new SometimesSlowSink();

        var result = await rig.Runner.RunAsync(plan, new EchoPolicy(), sink).WaitAsync(RunTimeout);

        result.Completion.Should().Be(new RolloutCompleted(result.Completion.RunId, 60, 0, 0, null));
        sink.MaxConcurrentWrites.Should().Be(1, "the sink actor never starts a write before the previous one finished");
        sink.Written.Select(r => r.Episode).Should().BeEquivalentTo(Enumerable.Range(0, 60).Select(i => (long)i));
        sink.SlowWrites.Should().BePositive("some writes must have taken the asynchronous path");
        result.Summary.Episodes.Should().Be(60);
    }

    [Fact]
    public async Task A_sink_that_fails_asynchronously_ends_the_run_with_its_error()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 20, Concurrency: 4, Seed: 3);

        await rig.Runner.Invoking(r => r.RunAsync(plan, new EchoPolicy(), new SometimesSlowSink(failAt: 5)).WaitAsync(RunTimeout))
            .Should().ThrowAsync<TrajectorySinkException>().WithMessage($"writing rollouts failed: {SometimesSlowSink.Failure}");
    }

    /// <summary>The names of the coordinator's live children (the episode slots).</summary>
    private async Task<IReadOnlyList<string>> ChildNamesAsync(IActorRef coordinator, TimeSpan wait)
    {
        var probe = CreateTestProbe();
        Sys.ActorSelection(coordinator.Path / "*").Tell(new Identify("slots"), probe.Ref);
        var names = new List<string>();
        while (await probe.ReceiveOneAsync(wait) is ActorIdentity identity)
        {
            if (identity.Subject is { } subject)
            {
                names.Add(subject.Path.Name);
            }
        }

        return names;
    }

    /// <summary>Completes every third write asynchronously; counts concurrent writes; optionally fails one write asynchronously.</summary>
    private sealed class SometimesSlowSink(int failAt = -1) : ITrajectorySink
    {
        public const string Failure = "slow disk gave up";

        private readonly ConcurrentQueue<EpisodeRecord> _written = new();
        private int _active;
        private int _maxActive;
        private int _calls;
        private int _slow;

        public IReadOnlyList<EpisodeRecord> Written => [.. _written];

        public int MaxConcurrentWrites => Volatile.Read(ref _maxActive);

        public int SlowWrites => Volatile.Read(ref _slow);

        public ValueTask WriteAsync(EpisodeRecord record, CancellationToken cancellationToken)
        {
            var active = Interlocked.Increment(ref _active);
            InterlockedMax(ref _maxActive, active);
            var call = Interlocked.Increment(ref _calls);
            if (call % 3 != 0 && call != failAt)
            {
                _written.Enqueue(record);
                Interlocked.Decrement(ref _active);
                return ValueTask.CompletedTask;
            }

            Interlocked.Increment(ref _slow);
            return new ValueTask(SlowAsync(record, call == failAt));
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async Task SlowAsync(EpisodeRecord record, bool fail)
        {
            await Task.Delay(2);
            Interlocked.Decrement(ref _active);
            if (fail)
            {
                throw new IOException(Failure);
            }

            _written.Enqueue(record);
        }

        private static void InterlockedMax(ref int location, int value)
        {
            var current = Volatile.Read(ref location);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref location, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}
