using FluentAssertions;
using Gym.Learning.Model;
using Gym.Learning.Training;
using Xunit;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Training;

public sealed class PolicyLossTests
{
    // Two sequences of four tokens: the first trains tokens 1-3 with A = 2, the second tokens 2-3 with A = -1.
    private static readonly float[] Ratios = [1f, 1.5f, 0.9f, 0.7f, 1f, 1f, 1.5f, 0.5f];
    private static readonly float[] Mask = [0, 1, 1, 1, 0, 0, 1, 1];
    private static readonly float[] Advantages = [2, -1];

    private static (Tensor LogProbs, Tensor Old, Tensor Advantages, Tensor Mask) Case()
    {
        // log p = log r + log p_old with log p_old = -1 everywhere, so exp(log p - log p_old) = r.
        var old = full([2, 4], -1f);
        var logProbs = (tensor(Ratios).reshape(2, 4).log() + old).requires_grad_();
        return (logProbs, old, tensor(Advantages), tensor(Mask).reshape(2, 4));
    }

    [Fact]
    public void The_clipped_grpo_objective_equals_its_hand_computed_value_and_clipped_tokens_get_no_gradient()
    {
        using var scope = NewDisposeScope();
        var (logProbs, old, advantages, mask) = Case();

        var output = PolicyLoss.Compute(logProbs, old, null, advantages, mask, new PolicyLossOptions(KlBeta: 0));
        output.Loss.backward();

        // min(r·A, clip(r, 0.8, 1.2)·A) per token: A = 2: r 1.5 -> min(3, 2.4) = 2.4; 0.9 -> 1.8; 0.7 -> min(1.4, 1.6) = 1.4.
        // A = -1: r 1.5 -> min(-1.5, -1.2) = -1.5; 0.5 -> min(-0.5, -0.8) = -0.8. Mean over 5 tokens, negated.
        var expected = -(2.4 + 1.8 + 1.4 - 1.5 - 0.8) / 5;
        output.Loss.item<float>().Should().BeApproximately((float)expected, 1e-6f);
        output.PolicyTerm.item<float>().Should().BeApproximately((float)expected, 1e-6f);
        output.ClipFraction.item<float>().Should().BeApproximately(4f / 5, 1e-6f, "1.5, 0.7, 1.5 and 0.5 lie outside [0.8, 1.2]");
        output.Kl.item<float>().Should().Be(0);

        // d(−r·A/5)/d log p = −r·A/5 where the unclipped term is the minimum, 0 where the clipped one is.
        var gradient = logProbs.grad!.data<float>().ToArray();
        float[] expectedGradient = [0, 0, -2 * 0.9f / 5, -2 * 0.7f / 5, 0, 0, 1.5f / 5, 0];
        gradient.Zip(expectedGradient).Should().OnlyContain(g => Math.Abs(g.First - g.Second) < 1e-6);
    }

    [Fact]
    public void Rloo_uses_the_unclipped_ratio()
    {
        using var scope = NewDisposeScope();
        var (logProbs, old, advantages, mask) = Case();

        var output = PolicyLoss.Compute(logProbs, old, null, advantages, mask, new PolicyLossOptions(PolicyAlgorithm.Rloo, KlBeta: 0));

        output.Loss.item<float>().Should().BeApproximately((float)(-(3 + 1.8 + 1.4 - 1.5 - 0.5) / 5), 1e-6f);
    }

    [Fact]
    public void The_k3_kl_is_zero_when_the_policy_is_the_reference_and_matches_its_formula_otherwise()
    {
        using var scope = NewDisposeScope();
        var (logProbs, old, advantages, mask) = Case();

        var same = PolicyLoss.Compute(logProbs, old, logProbs.detach(), advantages, mask, new PolicyLossOptions(KlBeta: 0.5));
        same.Kl.item<float>().Should().Be(0);
        same.Loss.item<float>().Should().Be(same.PolicyTerm.item<float>());

        // p = -1, q = -2: exp(q - p) - (q - p) - 1 = e^-1 + 1 - 1.
        PolicyLoss.KlK3(tensor(-1f), tensor(-2f)).item<float>().Should().BeApproximately((float)Math.Exp(-1), 1e-6f);
        var shifted = PolicyLoss.Compute(logProbs, old, logProbs.detach() - 1, advantages, mask, new PolicyLossOptions(KlBeta: 0.5));
        shifted.Kl.item<float>().Should().BeApproximately((float)Math.Exp(-1), 1e-6f, "every action token is one nat above the reference");
        shifted.Loss.item<float>().Should().BeApproximately(shifted.PolicyTerm.item<float>() + (0.5f * (float)Math.Exp(-1)), 1e-6f);
    }

    [Fact]
    public void A_kl_weight_without_reference_log_probs_is_refused()
    {
        using var scope = NewDisposeScope();
        var (logProbs, old, advantages, mask) = Case();

        var act = () => PolicyLoss.Compute(logProbs, old, null, advantages, mask, new PolicyLossOptions(KlBeta: 0.1));

        act.Should().Throw<ArgumentException>().WithMessage("*needs the reference model's log-probs*");
    }

    [Fact]
    public void Only_logits_that_score_action_tokens_receive_gradient_and_padding_changes_nothing()
    {
        using var model = new PolicyModel(PolicyConfig.Tiny, seed: 31);
        var samples = new[] { Synthetic(prompt: 5, action: 4, advantage: 1.5, seed: 1), Synthetic(prompt: 3, action: 2, advantage: -0.5, seed: 2) };
        using var batch = TrainingBatch.Collate(samples);
        using var scope = NewDisposeScope();

        var logits = model.Forward(batch.InputIds, batch.Positions, batch.AttentionMask).Logits;
        logits.retain_grad();
        var logProbs = PolicyLogProbs.FromLogits(logits, batch);
        var reference = (logProbs.detach() + 0.3) * batch.LossMask;
        var output = PolicyLoss.Compute(logProbs, logProbs.detach(), reference, batch.Advantages, batch.LossMask, new PolicyLossOptions(KlBeta: 0.1));
        output.Loss.backward();

        // The logits at position j score token j + 1: only j in [prompt − 1, length − 2] feed the loss.
        var gradient = logits.grad!.abs().sum(-1);
        for (var i = 0; i < samples.Length; i++)
        {
            var row = gradient[i].data<float>().ToArray();
            for (var j = 0; j < row.Length; j++)
            {
                var scoresAction = j >= samples[i].PromptLength - 1 && j <= samples[i].Length - 2;
                if (scoresAction)
                {
                    row[j].Should().BeGreaterThan(0, $"sequence {i} position {j} scores an action token");
                }
                else
                {
                    row[j].Should().Be(0, $"sequence {i} position {j} scores context or padding");
                }
            }
        }

        // Different ids in the padding leave the loss bit-identical: padding is masked out of attention and loss.
        using var repadded = TrainingBatch.Collate(samples);
        repadded.InputIds[1].narrow(0, samples[1].Length, samples[0].Length - samples[1].Length).fill_(42);
        var again = PolicyLoss.Compute(model, repadded, reference, new PolicyLossOptions(KlBeta: 0.1));
        var before = PolicyLoss.Compute(model, batch, reference, new PolicyLossOptions(KlBeta: 0.1));
        again.Loss.item<float>().Should().Be(before.Loss.item<float>());
    }

    internal static TrainingSample Synthetic(int prompt, int action, double advantage, int seed, float oldLogProb = -5.5f)
    {
        var random = new Random(seed);
        var length = prompt + action;
        return new TrainingSample(
            seed, "synthetic", seed, 0,
            [.. Enumerable.Range(0, length).Select(_ => random.Next(256))], prompt, [.. Enumerable.Range(0, length)],
            [.. Enumerable.Repeat(0f, prompt), .. Enumerable.Repeat(1f, action)],
            [.. Enumerable.Repeat(0f, prompt), .. Enumerable.Repeat(oldLogProb, action)],
            new float[length], 0)
        { Advantage = advantage };
    }
}
