using System.Collections.Concurrent;
using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>The runner edge: progress, groups, timings, empty and invalid plans.</summary>
public sealed class RolloutRunnerSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Progress_is_reported_once_per_episode_and_reaches_the_total()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Throwing, TestEnvironments.NoParameters, Episodes: 40, Concurrency: 6, Seed: 8);
        var reports = new ConcurrentQueue<RolloutProgress>();

        var result = await rig.Runner.RunAsync(plan, new EchoPolicy(), new InMemoryTrajectorySink(), new Recorder(reports)).WaitAsync(RunTimeout);

        var progress = reports.ToArray();
        progress.Should().HaveCount(40);
        progress.Select(p => p.Done).Should().Equal(Enumerable.Range(1, 40));
        progress.Should().OnlyContain(p => p.Total == 40);
        progress[^1].Failed.Should().Be(result.Completion.Failed);
        progress[^1].Steps.Should().Be(result.Summary.TotalSteps);
        progress[^1].MeanReward.Should().Be(ScriptedEnvironment.Turns, "completed scripted episodes earn one per turn");
        result.Summary.Episodes.Should().Be(40);
        result.Summary.Failed.Should().Be(SupervisionSpecs.FailingEpisodes(plan).Count);
    }

    [Fact]
    public async Task Group_members_play_the_same_seed()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 12, Concurrency: 12, Seed: 8, GroupSize: 4);
        var sink = new InMemoryTrajectorySink();

        await rig.Runner.RunAsync(plan, new EchoPolicy(), sink).WaitAsync(RunTimeout);

        var groups = sink.Snapshot().GroupBy(r => r.Episode / 4).ToList();
        groups.Should().HaveCount(3);
        groups.Should().OnlyContain(g => g.Select(r => r.Seed).Distinct().Count() == 1);
        groups.Select(g => g.First().Seed).Should().OnlyHaveUniqueItems();
        sink.Snapshot().Should().OnlyContain(r => r.Prompt[r.Prompt.Count - 1].Content == $"task for seed {r.Seed}");
    }

    [Fact]
    public async Task Timings_are_recorded_only_on_request()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.ThrowingAsync, TestEnvironments.NoParameters, Episodes: 9, Concurrency: 3, Seed: 8, RecordTimings: true);
        var timed = new InMemoryTrajectorySink();
        var untimed = new InMemoryTrajectorySink();

        await rig.Runner.RunAsync(plan, new EchoPolicy(delay: TimeSpan.FromMilliseconds(3)), timed).WaitAsync(RunTimeout);
        await rig.Runner.RunAsync(plan with { RecordTimings = false }, new EchoPolicy(), untimed).WaitAsync(RunTimeout);

        timed.Snapshot().Should().HaveCount(9).And.OnlyContain(r => r.Timings != null);
        foreach (var timings in timed.Snapshot().Select(r => r.Timings!))
        {
            timings.PolicyMs.Should().BeGreaterThan(0);
            timings.EnvironmentMs.Should().BeGreaterThanOrEqualTo(0);
            timings.WallMs.Should().BeGreaterThanOrEqualTo(timings.PolicyMs + timings.EnvironmentMs - 0.001);
        }

        untimed.Snapshot().Should().HaveCount(9).And.OnlyContain(r => r.Timings == null);
    }

    [Fact]
    public async Task An_empty_plan_completes_at_once_and_an_invalid_one_is_refused()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var sink = new InMemoryTrajectorySink();

        var empty = await rig.Runner.RunAsync(new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, 0, 4, 1), new EchoPolicy(), sink).WaitAsync(RunTimeout);

        empty.Completion.Should().Be(new RolloutCompleted(empty.Completion.RunId, 0, 0, 0, null));
        empty.Summary.Episodes.Should().Be(0);
        sink.IsCompleted.Should().BeTrue();
        await rig.Runner.Invoking(r => r.RunAsync(new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, 5, 0, 1), new EchoPolicy(), new InMemoryTrajectorySink()))
            .Should().ThrowAsync<ArgumentException>().WithMessage("concurrency*");
    }

    [Fact]
    public async Task A_sink_failure_surfaces_as_a_TrajectorySinkException()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var sink = new InMemoryTrajectorySink();
        await sink.CompleteAsync(CancellationToken.None);

        await rig.Runner.Invoking(r => r.RunAsync(new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, 5, 2, 1), new EchoPolicy(), sink).WaitAsync(RunTimeout))
            .Should().ThrowAsync<TrajectorySinkException>().WithMessage("writing rollouts failed: *already complete*");
    }

    private sealed class Recorder(ConcurrentQueue<RolloutProgress> reports) : IProgress<RolloutProgress>
    {
        public void Report(RolloutProgress value) => reports.Enqueue(value);
    }
}
