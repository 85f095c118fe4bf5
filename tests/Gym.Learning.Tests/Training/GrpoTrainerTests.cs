using FluentAssertions;
using Gym.Learning.Model;
using Gym.Learning.Training;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;

namespace Gym.Learning.Tests.Training;

public sealed class GrpoTrainerTests
{
    [Fact]
    public async Task It_runs_two_iterations_of_rollouts_and_updates_and_versions_the_policy()
    {
        using var model = new PolicyModel(Tiny, seed: 51);
        var policy = NewPolicy(model, maxNewTokens: 8);
        using var trainer = new GrpoTrainer(new LetterEnvironment(), policy, new GrpoOptions(GroupSize: 3, SeedsPerIteration: 2, FirstSeed: 100, MicroBatchSize: 4));

        var first = await trainer.RunIterationAsync();
        var second = await trainer.RunIterationAsync();

        first.Episodes.Should().HaveCount(6);
        first.Episodes.Select(e => e.Seed).Should().Equal(100, 100, 100, 101, 101, 101);
        second.Episodes.Select(e => e.Seed).Should().Equal(102, 102, 102, 103, 103, 103);
        first.Episodes.Should().OnlyContain(e => e.PolicyId == "torch:tiny@v0");
        second.Episodes.Should().OnlyContain(e => e.PolicyId == "torch:tiny@v1", "the second iteration plays the updated weights");
        (first.PolicyVersion, second.PolicyVersion, policy.Id).Should().Be((1, 2, "torch:tiny@v2"));
        first.GroupsUsed.Should().Be(2);
        first.Update.Should().NotBeNull();
        first.Update!.Sequences.Should().Be(12, "six episodes of two turns");
        first.Update.Kl.Should().BeApproximately(0, 1e-6, "the reference is a copy of the starting weights");
        second.Update!.Kl.Should().BeGreaterThan(0);
        double.IsFinite(first.Update.Loss).Should().BeTrue();
        double.IsFinite(second.Update!.Loss).Should().BeTrue();
        trainer.Iterations.Should().Be(2);
    }

    [Fact]
    public async Task A_batch_without_signal_leaves_the_weights_and_version_alone()
    {
        using var model = new PolicyModel(Tiny, seed: 52);
        var policy = NewPolicy(model, maxNewTokens: 4);
        using var trainer = new GrpoTrainer(Arithmetic(maxTurns: 1), policy, new GrpoOptions(GroupSize: 2, SeedsPerIteration: 1, Loss: new PolicyLossOptions(KlBeta: 0)));

        var iteration = await trainer.RunIterationAsync();

        iteration.GroupsDropped.Should().Be(1, "every random attempt earns the same format penalty");
        iteration.Update.Should().BeNull();
        iteration.PolicyVersion.Should().Be(0);
    }
}
