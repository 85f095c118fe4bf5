using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Training;
using TorchSharp;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Training;

public sealed class PolicyUpdateTests
{
    [Fact]
    public async Task A_grpo_step_on_a_group_changes_the_weights_and_leaves_no_tensor_behind()
    {
        using var model = new PolicyModel(Tiny, seed: 41);
        using var reference = new PolicyModel(Tiny, seed: 41);
        var policy = NewPolicy(model, maxNewTokens: 8);
        var environment = new LetterEnvironment();
        var records = new List<EpisodeRecord>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            records.Add(await EpisodeRunner.RunAsync(environment, new AttemptPolicy(policy, attempt), attempt, 5, ContextPolicy.Full, new ChatTemplateTokenCounter(policy.Template)));
        }

        var options = new PolicyLossOptions(KlBeta: 0.04);
        var advantages = EpisodeAdvantages.Compute(records, options.Advantages);
        advantages.Should().OnlyContain(a => a != null, "random attempts earn different rewards");
        var samples = new TrainingSampleBuilder(policy.Template).Build(records, advantages);
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions(LearningRate: 1e-3));
        var before = Snapshot(model);

        // The first step creates AdamW's moment buffers and the gradients: state that lives on.
        var first = PolicyUpdate.Step(model, optimizer, samples, options, reference, microBatchSize: 3);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var second = PolicyUpdate.Step(model, optimizer, samples, options, reference, microBatchSize: 3);

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live, "a step frees everything it creates");
        first.Sequences.Should().Be(8, "four attempts of two turns");
        first.ActionTokens.Should().Be(samples.Sum(s => s.ActionLength));
        first.Kl.Should().BeApproximately(0, 1e-6, "the policy starts as the reference");
        first.ClipFraction.Should().Be(0, "the recorded log-probs are the policy's own");
        first.GradNorm.Should().BeGreaterThan(0);
        second.Kl.Should().BeGreaterThan(0, "after a step the policy has moved away from the reference");
        optimizer.Steps.Should().Be(2);
        var after = Snapshot(model);
        after.Zip(before).Should().Contain(p => !p.First.SequenceEqual(p.Second), "the update moved the weights");
        Snapshot(reference).Zip(before).Should().OnlyContain(p => p.First.SequenceEqual(p.Second), "the reference stays frozen");
    }

    [Fact]
    public void Micro_batches_add_up_to_the_whole_batch_step()
    {
        var samples = new[]
        {
            PolicyLossTests.Synthetic(4, 3, 1.0, seed: 1), PolicyLossTests.Synthetic(6, 2, -1.0, seed: 2),
            PolicyLossTests.Synthetic(3, 5, 0.5, seed: 3), PolicyLossTests.Synthetic(5, 1, -0.5, seed: 4),
        };
        var options = new PolicyLossOptions(KlBeta: 0);

        var whole = Step(samples, options, microBatchSize: 4);
        var split = Step(samples, options, microBatchSize: 1);

        split.Loss.Should().BeApproximately(whole.Loss, 1e-6);
        split.GradNorm.Should().BeApproximately(whole.GradNorm, 1e-5 * whole.GradNorm);
    }

    [Fact]
    public void Gradients_do_not_carry_over_from_one_step_to_the_next()
    {
        var samples = new[] { PolicyLossTests.Synthetic(4, 3, 1.0, seed: 5), PolicyLossTests.Synthetic(6, 2, -1.0, seed: 6) };
        using var model = new PolicyModel(PolicyConfig.Tiny, seed: 44);
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions(LearningRate: 1e-12, MaxGradNorm: 0));
        var options = new PolicyLossOptions(KlBeta: 0);

        var first = PolicyUpdate.Step(model, optimizer, samples, options);
        var second = PolicyUpdate.Step(model, optimizer, samples, options);

        second.GradNorm.Should().BeApproximately(first.GradNorm, 1e-4 * first.GradNorm, "the weights barely moved and the gradients were zeroed in between");
    }

    private static PolicyUpdateResult Step(TrainingSample[] samples, PolicyLossOptions options, int microBatchSize)
    {
        using var model = new PolicyModel(PolicyConfig.Tiny, seed: 43);
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions(MaxGradNorm: 0));
        return PolicyUpdate.Step(model, optimizer, samples, options, microBatchSize: microBatchSize);
    }

    private static List<float[]> Snapshot(PolicyModel model)
    {
        using var scope = NewDisposeScope();
        return [.. model.parameters().Select(p => p.detach().cpu().data<float>().ToArray())];
    }
}
