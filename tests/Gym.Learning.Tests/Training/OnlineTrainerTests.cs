using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Training;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;

namespace Gym.Learning.Tests.Training;

public sealed class OnlineTrainerTests
{
    private static (PolicyModel Learner, PolicyModel Acting, TorchPolicy Actor) NewPair(ulong seed, int maxNewTokens = 8, bool valueHead = false)
    {
        var learner = new PolicyModel(Tiny with { ValueHead = valueHead }, seed);
        var acting = new PolicyModel(learner.Config, seed + 1000);
        return (learner, acting, NewPolicy(acting, maxNewTokens));
    }

    private static SequentialRolloutCollector Letters() => new(() => new LetterEnvironment());

    [Fact]
    public async Task It_plays_with_the_published_weights_updates_and_versions_the_policy()
    {
        var (learner, acting, actor) = NewPair(51);
        using var _ = learner;
        using var __ = acting;
        var options = new OnlineTrainerOptions(GroupSize: 3, TasksPerIteration: 2, Seed: 100, MicroBatchSize: 4);
        using var trainer = new OnlineTrainer(learner, actor, Letters(), options);

        var iterations = new List<OnlineIteration>();
        await trainer.RunAsync(2, (iteration, _) =>
        {
            iterations.Add(iteration);
            return Task.CompletedTask;
        });

        var (first, second) = (iterations[0], iterations[1]);
        first.Episodes.Should().HaveCount(6);
        var request = new RolloutRequest(options.TrainSeed(0), 2, 3);
        first.Episodes.Select(e => e.Seed).Should().Equal(Enumerable.Repeat(request.SeedOf(0), 3).Concat(Enumerable.Repeat(request.SeedOf(1), 3)));
        second.Episodes.Select(e => e.Seed).Distinct().Should().NotIntersectWith(first.Episodes.Select(e => e.Seed), "every iteration plays new tasks");
        first.Episodes.Should().OnlyContain(e => e.PolicyId == "torch:tiny@v0");
        second.Episodes.Should().OnlyContain(e => e.PolicyId == "torch:tiny@v1", "the second batch plays the published update");
        (first.PlayedVersion, first.Staleness, second.PlayedVersion, second.Staleness).Should().Be((0, 0, 1, 0));
        (first.PolicyVersion, second.PolicyVersion, trainer.Version).Should().Be((1, 2, 2));
        first.GroupsUsed.Should().Be(2);
        first.Update!.Sequences.Should().Be(12, "six episodes of two turns");
        first.Update.Kl.Should().BeApproximately(0, 1e-6, "the reference is a copy of the starting weights");
        second.Update!.Kl.Should().BeGreaterThan(0);
        first.GenerationTime.Should().BePositive();
        first.RolloutTime.Should().BeGreaterThanOrEqualTo(first.GenerationTime);
        ParametersEqual(acting, learner).Should().BeFalse("the acting copy still holds version 1 while the learner is at 2");
    }

    [Fact]
    public async Task The_staleness_bound_lets_the_next_batch_play_older_weights_and_keeps_trajectories_deterministic()
    {
        async Task<IReadOnlyList<OnlineIteration>> RunAsync(int staleness)
        {
            var (learner, acting, actor) = NewPair(61);
            using var _ = learner;
            using var __ = acting;
            using var trainer = new OnlineTrainer(learner, actor, Letters(), new OnlineTrainerOptions(GroupSize: 2, TasksPerIteration: 2, Seed: 7, MicroBatchSize: 4, MaxStaleness: staleness, Loss: new PolicyLossOptions(KlBeta: 0), Optimizer: new OptimizerOptions(LearningRate: 3e-2)));
            var iterations = new List<OnlineIteration>();
            await trainer.RunAsync(3, (iteration, _) =>
            {
                iterations.Add(iteration);
                return Task.CompletedTask;
            });
            return iterations;
        }

        var stale = await RunAsync(1);
        stale.Select(i => i.PlayedVersion).Should().Equal(0, 0, 1);
        stale.Select(i => i.Staleness).Should().Equal(0, 1, 1);
        stale[1].Episodes.Should().OnlyContain(e => e.PolicyId == "torch:tiny@v0");

        var again = await RunAsync(1);
        Texts(again).Should().Equal(Texts(stale), "the same seed gives the same trajectories however generation and learning overlap");

        var onPolicy = await RunAsync(0);
        onPolicy.Select(i => i.Staleness).Should().Equal(0, 0, 0);
        Texts(onPolicy.Take(1)).Should().Equal(Texts(stale.Take(1)));
        Texts(onPolicy.Skip(1).Take(1)).Should().NotEqual(Texts(stale.Skip(1).Take(1)), "on-policy the second batch plays the updated weights");

        static IEnumerable<string> Texts(IEnumerable<OnlineIteration> iterations) => iterations.SelectMany(i => i.Episodes).SelectMany(e => e.Turns).Select(t => t.Action.Text);
    }

    [Fact]
    public async Task A_batch_without_signal_leaves_the_weights_and_version_alone()
    {
        var (learner, acting, actor) = NewPair(52, maxNewTokens: 4);
        using var _ = learner;
        using var __ = acting;
        using var trainer = new OnlineTrainer(learner, actor, new SequentialRolloutCollector(() => Arithmetic(maxTurns: 1)), new OnlineTrainerOptions(GroupSize: 2, TasksPerIteration: 1, Loss: new PolicyLossOptions(KlBeta: 0)));

        var iteration = await trainer.RunIterationAsync();

        iteration.GroupsUsed.Should().Be(0, "every random attempt earns the same format penalty");
        iteration.Update.Should().BeNull();
        iteration.PolicyVersion.Should().Be(0);
    }

    [Fact]
    public async Task Ppo_learns_from_single_attempts_with_the_value_head()
    {
        var (learner, acting, actor) = NewPair(53, valueHead: true);
        using var _ = learner;
        using var __ = acting;
        var loss = new PolicyLossOptions(PolicyAlgorithm.Ppo, KlBeta: 0);
        using var trainer = new OnlineTrainer(learner, actor, Letters(), new OnlineTrainerOptions(GroupSize: 1, TasksPerIteration: 3, MicroBatchSize: 4, UpdateEpochs: 2, Loss: loss));

        var iteration = await trainer.RunIterationAsync();

        iteration.GroupsUsed.Should().Be(3);
        iteration.Update!.Sequences.Should().Be(6);
        double.IsFinite(iteration.Update.ValueLoss).Should().BeTrue();
        iteration.Update.ValueLoss.Should().BeGreaterThan(0, "a zero-initialized value head does not predict the letter rewards yet");
        iteration.PolicyVersion.Should().Be(1, "two epochs are one published version");
    }

    [Fact]
    public void Bad_settings_and_shared_models_are_refused_with_the_reason()
    {
        var (learner, acting, actor) = NewPair(54);
        using var _ = learner;
        using var __ = acting;

        FluentActions.Invoking(() => new OnlineTrainerOptions(GroupSize: 1).Validate())
            .Should().Throw<ArgumentException>().WithMessage("group size must be at least 2 for grpo*got 1");
        FluentActions.Invoking(() => new OnlineTrainerOptions(MaxStaleness: -1).Validate())
            .Should().Throw<ArgumentException>().WithMessage("max staleness must be 0 or more, got -1");
        FluentActions.Invoking(() => new OnlineTrainerOptions(UpdateEpochs: 0).Validate())
            .Should().Throw<ArgumentException>().WithMessage("update epochs must be at least 1, got 0");
        FluentActions.Invoking(() => new OnlineTrainer(acting, actor, Letters(), new OnlineTrainerOptions()))
            .Should().Throw<ArgumentException>().WithMessage("the acting policy needs its own copy of the model*");
        FluentActions.Invoking(() => new OnlineTrainer(learner, actor, Letters(), new OnlineTrainerOptions(GroupSize: 1, Loss: new PolicyLossOptions(PolicyAlgorithm.Ppo))))
            .Should().Throw<ArgumentException>().WithMessage("ppo needs a model with a value head*");
    }

    private static bool ParametersEqual(PolicyModel a, PolicyModel b)
    {
        var other = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return a.named_parameters().All(p => p.parameter.allclose(other[p.name], 0, 0));
    }
}
