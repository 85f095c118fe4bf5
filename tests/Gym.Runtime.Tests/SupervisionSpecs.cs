using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>A crashing episode is reported as failed with its partial trajectory, and never takes other episodes down.</summary>
public sealed class SupervisionSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(TestEnvironments.Throwing, "episode crashed: InvalidOperationException: ")]
    [InlineData(TestEnvironments.ThrowingAsync, "environment failed: InvalidOperationException: ")]
    public async Task A_step_that_throws_fails_only_its_episode_and_keeps_its_partial_turns(string environmentId, string errorPrefix)
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(environmentId, TestEnvironments.NoParameters, Episodes: 30, Concurrency: 8, Seed: 2024);
        var failing = FailingEpisodes(plan);

        var (completed, records) = await PlayAsync(rig, plan, new EchoPolicy());

        completed.Should().Be(new RolloutCompleted(completed.RunId, 30 - failing.Count, failing.Count, 0, null));
        records.Select(r => r.Episode).Should().Equal(Enumerable.Range(0, 30).Select(i => (long)i));
        foreach (var record in records)
        {
            if (failing.Contains(record.Episode))
            {
                record.Status.Should().Be(EpisodeStatus.Failed);
                record.StopReason.Should().Be(StopReason.Error);
                record.Error.Should().Be(errorPrefix + ScriptedEnvironment.StepFailure(ScriptedEnvironment.FailingTurn, record.Seed));
                record.Success.Should().BeFalse();
                record.Prompt.Should().NotBeEmpty();
                record.Turns.Should().HaveCount(ScriptedEnvironment.FailingTurn, "the turns played before the crash are kept");
                AssertTurnsEcho(record);
            }
            else
            {
                AssertCompleted(record);
            }
        }
    }

    [Fact]
    public async Task A_reset_that_throws_fails_only_its_episode()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.ThrowingReset, TestEnvironments.NoParameters, Episodes: 30, Concurrency: 8, Seed: 77);
        var failing = FailingEpisodes(plan);

        var (completed, records) = await PlayAsync(rig, plan, new EchoPolicy());

        completed.Failed.Should().Be(failing.Count);
        completed.Finished.Should().Be(30 - failing.Count);
        records.Should().HaveCount(30);
        foreach (var record in records)
        {
            if (failing.Contains(record.Episode))
            {
                record.Status.Should().Be(EpisodeStatus.Failed);
                record.StopReason.Should().Be(StopReason.Error);
                record.Error.Should().Be("episode crashed: InvalidOperationException: " + ScriptedEnvironment.ResetFailure(record.Seed));
                record.Turns.Should().BeEmpty();
                record.Seed.Should().Be(plan.SeedOf(record.Episode));
            }
            else
            {
                AssertCompleted(record);
            }
        }
    }

    [Fact]
    public async Task An_environment_whose_constructor_throws_fails_every_episode_but_the_run_still_ends()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.ThrowingConstructor, TestEnvironments.NoParameters, Episodes: 12, Concurrency: 4, Seed: 5);

        var (completed, records) = await PlayAsync(rig, plan, new EchoPolicy());

        completed.Should().Be(new RolloutCompleted(completed.RunId, 0, 12, 0, null));
        records.Should().HaveCount(12).And.OnlyContain(r =>
            r.Status == EpisodeStatus.Failed
            && r.StopReason == StopReason.Error
            && r.Turns.Count == 0
            && r.Error == $"episode crashed: InvalidOperationException: {TestEnvironments.ThrowingConstructor}: constructor exploded");
    }

    [Fact]
    public async Task The_runtime_keeps_working_after_crashed_episodes()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var crashing = new RolloutPlan(TestEnvironments.Throwing, TestEnvironments.NoParameters, Episodes: 30, Concurrency: 8, Seed: 2024);
        var (first, _) = await PlayAsync(rig, crashing, new EchoPolicy());
        first.Failed.Should().BePositive();

        var clean = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 30, Concurrency: 8, Seed: 2024);
        var (second, records) = await PlayAsync(rig, clean, new EchoPolicy());

        second.Should().Be(new RolloutCompleted(second.RunId, 30, 0, 0, null));
        records.Should().HaveCount(30);
        records.ToList().ForEach(AssertCompleted);
    }

    [Fact]
    public async Task A_failing_sink_ends_the_run_with_its_error_and_one_answer()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 20, Concurrency: 1, Seed: 1);
        var runId = rig.Catalog.Add(new RunResources(new EchoPolicy(), new FailingSink(), null));

        rig.Coordinator.Tell(new StartRollout(runId, plan), TestActor);

        var completed = await ExpectMsgAsync<RolloutCompleted>(RunTimeout);
        completed.SinkError.Should().Be(FailingSink.Message);
        completed.Finished.Should().Be(0);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    internal static HashSet<long> FailingEpisodes(RolloutPlan plan)
    {
        var failing = Enumerable.Range(0, plan.Episodes).Select(i => (long)i).Where(i => ScriptedEnvironment.Fails(plan.SeedOf(i))).ToHashSet();
        failing.Should().NotBeEmpty("the seed must produce some failing episodes").And.HaveCountLessThan(plan.Episodes);
        return failing;
    }

    internal static void AssertCompleted(EpisodeRecord record)
    {
        record.Status.Should().Be(EpisodeStatus.Completed);
        record.StopReason.Should().Be(StopReason.Answered);
        record.Error.Should().BeNull();
        record.Terminated.Should().BeTrue();
        record.Success.Should().BeTrue();
        record.TotalReward.Should().Be(ScriptedEnvironment.Turns);
        record.Turns.Should().HaveCount(ScriptedEnvironment.Turns);
        AssertTurnsEcho(record);
    }

    private static void AssertTurnsEcho(EpisodeRecord record)
    {
        for (var t = 0; t < record.Turns.Count; t++)
        {
            var turn = record.Turns[t];
            turn.Turn.Should().Be(t);
            turn.Observation.Should().ContainSingle().Which.Content.Should().Be(ScriptedEnvironment.Echo(t, turn.Action.Text));
        }
    }

    private async Task<(RolloutCompleted Completed, IReadOnlyList<EpisodeRecord> Records)> PlayAsync(RuntimeRig rig, RolloutPlan plan, Core.Policies.IPolicy policy)
    {
        var sink = new InMemoryTrajectorySink();
        var runId = rig.Catalog.Add(new RunResources(policy, sink, null));
        rig.Coordinator.Tell(new StartRollout(runId, plan), TestActor);
        var completed = await ExpectMsgAsync<RolloutCompleted>(RunTimeout);
        completed.RunId.Should().Be(runId);
        rig.Catalog.Remove(runId);
        return (completed, sink.Snapshot());
    }

    private sealed class FailingSink : ITrajectorySink
    {
        public const string Message = "disk on fire";

        public ValueTask WriteAsync(EpisodeRecord record, CancellationToken cancellationToken) => throw new IOException(Message);

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
