using Akka.Actor;
using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>The policy gateway micro-batches requests and answers each episode with its own action.</summary>
public sealed class PolicyGatewaySpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Concurrent_episodes_are_batched_without_exceeding_the_batch_size()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry(), new PolicyGatewayOptions(MaxBatchSize: 8));
        var policy = new EchoPolicy(delay: TimeSpan.FromMilliseconds(5));
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 64, Concurrency: 64, Seed: 3);

        var (completed, records) = await PlayAsync(rig, plan, policy);

        completed.Should().Be(new RolloutCompleted(completed.RunId, 64, 0, 0, null));
        var sizes = policy.BatchSizes.ToArray();
        var requests = 64 * ScriptedEnvironment.Turns;
        sizes.Sum().Should().Be(requests, "every turn of every episode asks once");
        sizes.Should().OnlyContain(size => size >= 1 && size <= 8, "MaxBatchSize is a hard limit");
        sizes.Max().Should().BeGreaterThan(1, "queued requests are batched");
        sizes.Length.Should().BeLessThan(requests);

        var stats = await rig.Gateway.Ask<GatewayStats>(GetGatewayStats.Instance, TimeSpan.FromSeconds(5));
        stats.Should().Be(new GatewayStats(sizes.Length, requests, sizes.Max()));

        records.Should().HaveCount(64);
        foreach (var record in records)
        {
            SupervisionSpecs.AssertCompleted(record);
            record.Turns.Select(t => t.Action.Text).Should().Equal(
                Enumerable.Range(0, ScriptedEnvironment.Turns).Select(t => EchoPolicy.ActionFor("act", record.Episode, t)),
                "each episode gets the action chosen for its own request");
        }
    }

    [Fact]
    public async Task A_batch_wait_gathers_requests_before_calling_the_policy()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry(), new PolicyGatewayOptions(MaxBatchSize: 16, MaxBatchWait: TimeSpan.FromMilliseconds(100), MaxConcurrentBatches: 1));
        var policy = new EchoPolicy();
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 32, Concurrency: 32, Seed: 4);

        var (completed, records) = await PlayAsync(rig, plan, policy);

        completed.Finished.Should().Be(32);
        records.ToList().ForEach(SupervisionSpecs.AssertCompleted);
        var sizes = policy.BatchSizes.ToArray();
        sizes.Should().OnlyContain(size => size <= 16);
        sizes.Max().Should().Be(16);
        sizes.Length.Should().BeLessThan(32 * ScriptedEnvironment.Turns / 2);
    }

    [Fact]
    public async Task Concurrent_runs_are_answered_by_their_own_policies()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry(), new PolicyGatewayOptions(MaxBatchSize: 4));
        var sinkA = new InMemoryTrajectorySink();
        var sinkB = new InMemoryTrajectorySink();
        var runA = rig.Runner.RunAsync(new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, 24, 12, Seed: 1), new EchoPolicy("alpha", TimeSpan.FromMilliseconds(2)), sinkA);
        var runB = rig.Runner.RunAsync(new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, 24, 12, Seed: 2), new EchoPolicy("beta", TimeSpan.FromMilliseconds(2)), sinkB);

        var results = await Task.WhenAll(runA, runB).WaitAsync(RunTimeout);

        results.Should().OnlyContain(r => r.Completion.Finished == 24 && r.Completion.Failed == 0 && !r.WasCancelled);
        sinkA.Snapshot().SelectMany(r => r.Turns).Should().OnlyContain(t => t.Action.Text.StartsWith("alpha ", StringComparison.Ordinal));
        sinkB.Snapshot().SelectMany(r => r.Turns).Should().OnlyContain(t => t.Action.Text.StartsWith("beta ", StringComparison.Ordinal));
        sinkA.Snapshot().Select(r => r.PolicyId).Should().OnlyContain(id => id == "echo:alpha");
    }

    [Theory]
    [InlineData(PolicyFault.ThrowSynchronously, "policy failed: InvalidOperationException: policy exploded")]
    [InlineData(PolicyFault.ThrowAsynchronously, "policy failed: InvalidOperationException: policy exploded")]
    [InlineData(PolicyFault.ReturnTooFewActions, "policy failed: the policy returned 0 actions for ")]
    public async Task A_failing_policy_fails_the_episodes_of_its_batch(PolicyFault fault, string error)
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry(), new PolicyGatewayOptions(MaxBatchSize: 8));
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 20, Concurrency: 10, Seed: 9);

        var (completed, records) = await PlayAsync(rig, plan, new FaultyPolicy(fault, failAtTurn: 1));

        completed.Should().Be(new RolloutCompleted(completed.RunId, 0, 20, 0, null));
        records.Should().HaveCount(20);
        foreach (var record in records)
        {
            record.Status.Should().Be(EpisodeStatus.Failed);
            record.StopReason.Should().Be(StopReason.Error);
            record.Error.Should().StartWith(error);
            // A batch may mix turn-0 and turn-1 requests: the whole batch fails, so an episode keeps 0 or 1 turns.
            record.Turns.Should().HaveCountLessThanOrEqualTo(1);
            if (record.Turns.Count == 1)
            {
                record.Turns[0].Action.Text.Should().Be(EchoPolicy.ActionFor("ok", record.Episode, 0));
            }
        }

        records.Should().Contain(r => r.Turns.Count == 1, "the turns played before the policy failed are kept");

        // The gateway itself survived.
        var stats = await rig.Gateway.Ask<GatewayStats>(GetGatewayStats.Instance, TimeSpan.FromSeconds(5));
        stats.Requests.Should().Be(20 + records.Count(r => r.Turns.Count == 1), "every episode asked once per turn it reached");
    }

    [Fact]
    public async Task A_request_for_an_unknown_run_is_answered_with_a_failure()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());

        rig.Gateway.Tell(new RequestAction("run-404", new PolicyRequest("0", 1, 0, [])), TestActor);

        var failed = await ExpectMsgAsync<ActionFailed>(TimeSpan.FromSeconds(5));
        failed.Error.Should().Contain("run-404");
    }

    [Fact]
    public async Task The_gateway_answers_each_requester_directly()
    {
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry(), new PolicyGatewayOptions(MaxBatchSize: 3));
        var policy = new EchoPolicy("direct");
        var runId = rig.Catalog.Add(new RunResources(policy, new InMemoryTrajectorySink(), null));
        var probes = Enumerable.Range(0, 7).Select(_ => CreateTestProbe()).ToList();

        for (var i = 0; i < probes.Count; i++)
        {
            rig.Gateway.Tell(new RequestAction(runId, new PolicyRequest($"{i}", i, 0, [])), probes[i].Ref);
        }

        for (var i = 0; i < probes.Count; i++)
        {
            var chosen = await probes[i].ExpectMsgAsync<ActionChosen>(TimeSpan.FromSeconds(5));
            chosen.Action.Text.Should().Be(EchoPolicy.ActionFor("direct", $"{i}", 0));
        }

        policy.BatchSizes.Should().OnlyContain(size => size <= 3);
        policy.BatchSizes.Sum().Should().Be(7);
    }

    private async Task<(RolloutCompleted Completed, IReadOnlyList<EpisodeRecord> Records)> PlayAsync(RuntimeRig rig, RolloutPlan plan, IPolicy policy)
    {
        var sink = new InMemoryTrajectorySink();
        var runId = rig.Catalog.Add(new RunResources(policy, sink, null));
        rig.Coordinator.Tell(new StartRollout(runId, plan), TestActor);
        var completed = await ExpectMsgAsync<RolloutCompleted>(RunTimeout);
        rig.Catalog.Remove(runId);
        return (completed, sink.Snapshot());
    }
}
