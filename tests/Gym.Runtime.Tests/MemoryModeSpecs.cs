using System.Collections.Concurrent;
using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>The plan's memory mode and tokenizer reach every episode actor.</summary>
public sealed class MemoryModeSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_mem1_run_shows_the_policy_and_records_only_the_latest_turn()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 8, Concurrency: 4, Seed: 5, Memory: MemorySpec.Mem1);
        var policy = new ContextCapturingPolicy();
        var sink = new InMemoryTrajectorySink();

        var result = await rig.Runner.RunAsync(plan, policy, sink).WaitAsync(RunTimeout);

        var records = sink.Snapshot();
        records.Should().HaveCount(8).And.OnlyContain(r => r.Status == EpisodeStatus.Completed);
        foreach (var record in records)
        {
            record.Turns.Should().HaveCount(ScriptedEnvironment.Turns);
            record.Turns[0].Context.Should().Equal(ContextSegment.Prompt(0), ContextSegment.Prompt(1));
            for (var turn = 1; turn < record.Turns.Count; turn++)
            {
                record.Turns[turn].Context.Should().Equal(
                    ContextSegment.Prompt(0), ContextSegment.Prompt(1), ContextSegment.Action(turn - 1), ContextSegment.Observation(turn - 1, 0));
            }

            for (var turn = 0; turn < record.Turns.Count; turn++)
            {
                policy.Seen[(record.Episode, turn)].Should().Equal(ContextRebuilder.Rebuild(record, turn), "the policy saw the recorded context");
                record.Turns[turn].ContextTokens.Should().Be(ContextRebuilder.Rebuild(record, turn).Sum(TokenCounters.Default.Count));
            }
        }

        result.Summary.PeakContextTokens.Max.Should().Be(records.Max(r => r.PeakContextTokens));
        result.Summary.MeanContextTokens.Mean.Should().BeApproximately(records.Average(r => r.MeanContextTokens), 1e-9);
    }

    [Fact]
    public async Task The_default_plan_keeps_the_full_history()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 2, Concurrency: 2, Seed: 5);
        var sink = new InMemoryTrajectorySink();

        await rig.Runner.RunAsync(plan, new EchoPolicy(), sink).WaitAsync(RunTimeout);

        plan.Memory.Should().Be(MemorySpec.Full);
        foreach (var record in sink.Snapshot())
        {
            record.Turns[^1].Context.Should().HaveCount(2 + (2 * (ScriptedEnvironment.Turns - 1)));
            record.Turns.Select(t => t.ContextTokens).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        }
    }

    [Fact]
    public async Task A_bad_tokenizer_or_memory_mode_is_refused_before_any_episode_starts()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 2, Concurrency: 2, Seed: 5);

        await rig.Runner.Invoking(r => r.RunAsync(plan with { Tokenizer = "nope" }, new EchoPolicy(), new InMemoryTrajectorySink()))
            .Should().ThrowAsync<ArgumentException>().WithMessage("unknown tokenizer 'nope'*");
        await rig.Runner.Invoking(r => r.RunAsync(plan with { Memory = new MemorySpec(MemoryMode.Window, 0) }, new EchoPolicy(), new InMemoryTrajectorySink()))
            .Should().ThrowAsync<ArgumentException>().WithMessage("memory mode window needs at least 1 turn (got 0)");
    }

    /// <summary>Echoes like <see cref="EchoPolicy"/> and keeps the context of every request.</summary>
    private sealed class ContextCapturingPolicy : IPolicy
    {
        public string Id => "capturing";

        public ConcurrentDictionary<(long Episode, int Turn), IReadOnlyList<ChatMessage>> Seen { get; } = new();

        public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
        {
            foreach (var request in requests)
            {
                Seen[(long.Parse(request.EpisodeId, System.Globalization.CultureInfo.InvariantCulture), request.Turn)] = request.Context;
            }

            return ValueTask.FromResult<IReadOnlyList<AgentAction>>(
                [.. requests.Select(r => new AgentAction($"<think>state after {r.Turn} turns</think><act>{r.EpisodeId}/{r.Turn}</act>"))]);
        }
    }
}
