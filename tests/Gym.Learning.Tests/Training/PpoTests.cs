using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;
using Gym.Learning.Training;
using TorchSharp;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Training;

public sealed class PpoTests
{
    private static readonly PolicyConfig Critic = Tiny with { ValueHead = true };

    // (V, V_old, R): within the clip; moved 1.4 towards R (the clipped term is larger); moved 1.5 away from R (the unclipped one is).
    private static readonly float[] ClipCaseValues = [0.6f, 1.9f, 2.0f];
    private static readonly float[] ClipCaseOldValues = [0.5f, 0.5f, 0.5f];
    private static readonly float[] ClipCaseTargets = [0.0f, 2.0f, 0.6f];

    [Theory]
    [InlineData("full")]
    [InlineData("mem1")]
    public async Task Turn_gae_gives_the_hand_computed_advantages_and_a_truncated_episode_bootstraps_from_its_next_context(string memoryMode)
    {
        using var model = new PolicyModel(Critic, seed: 51);
        var policy = NewPolicy(model, maxNewTokens: 6);
        var memory = ContextPolicy.Create(MemorySpec.Parse(memoryMode));
        var builder = new TrainingSampleBuilder(policy.Template);
        var played = await Play(policy, new LetterEnvironment(turns: 4), episode: 0, seed: 7, attempt: 0, memory);

        // The first three turns with known rewards, once cut off by a turn limit and once ended by the task.
        double[] r = [1.0, -0.5, 2.0];
        var truncated = played with
        {
            Turns = [.. played.Turns.Take(3).Select((t, i) => t with { Reward = r[i] })],
            Truncated = true,
            Terminated = false,
        };
        var terminated = truncated with { Truncated = false, Terminated = true };
        var options = new PpoOptions(Gamma: 0.9, Lambda: 0.8, WhitenAdvantages: false);

        // One context per forward: no padding, so equal contexts give bit-equal values across calls.
        var cut = PpoSamples.Assign(model, [truncated], builder.Build(truncated), options, policy.Template, memory, microBatchSize: 1);
        var ended = PpoSamples.Assign(model, [terminated], builder.Build(terminated), options, policy.Template, memory, microBatchSize: 1);

        // The context after turn 2 is the one the four-turn episode played turn 3 from.
        var next = PpoSamples.Assign(model, [played], builder.Build(played), options, policy.Template, memory, microBatchSize: 1)[3].OldValue;
        next.Should().NotBe(0);
        var v = cut.Select(s => s.OldValue).ToArray();
        ended.Select(s => s.OldValue).Should().Equal(v);
        cut.Select(s => s.Reward).Should().Equal(r);

        const double g = 0.9, l = 0.8;
        foreach (var (samples, bootstrap) in new[] { (cut, next), (ended, 0.0) })
        {
            var a2 = r[2] + (g * bootstrap) - v[2];
            var a1 = r[1] + (g * v[2]) - v[1] + (g * l * a2);
            var a0 = r[0] + (g * v[1]) - v[0] + (g * l * a1);
            samples.Select(s => s.Advantage).Should().Equal(new[] { a0, a1, a2 }, (x, y) => Math.Abs(x - y) < 1e-12);
            samples.Select(s => s.ValueTarget).Should().Equal(new[] { a0 + v[0], a1 + v[1], a2 + v[2] }, (x, y) => Math.Abs(x - y) < 1e-12);
        }

        for (var t = 0; t < 3; t++)
        {
            (cut[t].Advantage - ended[t].Advantage).Should().BeApproximately(g * Math.Pow(g * l, 2 - t) * next, 1e-12, "they differ by the discounted bootstrap term alone");
        }

        // An episode that did not complete is left out with its samples.
        var failed = truncated with { Episode = 1, Status = EpisodeStatus.Failed };
        var mixed = PpoSamples.Assign(model, [truncated, failed], [.. builder.Build(truncated), .. builder.Build(failed)], options, policy.Template, memory, microBatchSize: 1);
        mixed.Should().HaveCount(3).And.OnlyContain(s => s.Episode == 0);
        mixed.Select(s => s.Advantage).Should().Equal(cut.Select(s => s.Advantage));

        if (memoryMode == "full")
        {
            // The next context is rebuilt with the memory the episode was played with, and that is checked.
            var wrong = () => PpoSamples.Assign(model, [truncated], builder.Build(truncated), options, policy.Template, ContextPolicy.Mem1);
            wrong.Should().Throw<ArgumentException>().WithMessage("*was not played with memory 'mem1'*");
        }
    }

    [Fact]
    public async Task Old_values_are_the_value_head_at_the_last_context_token_and_whitening_is_per_batch()
    {
        using var model = new PolicyModel(Critic, seed: 52);
        var policy = NewPolicy(model, maxNewTokens: 6);
        var records = new List<EpisodeRecord>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            records.Add(await Play(policy, new LetterEnvironment(), attempt, seed: 3, attempt, ContextPolicy.Full));
        }

        var builder = new TrainingSampleBuilder(policy.Template);
        var built = records.SelectMany(r => builder.Build(r)).ToList();
        var raw = PpoSamples.Assign(model, records, built, new PpoOptions(WhitenAdvantages: false), policy.Template, ContextPolicy.Full, microBatchSize: 4);
        var samples = PpoSamples.Assign(model, records, built, new PpoOptions(), policy.Template, ContextPolicy.Full, microBatchSize: 4);

        samples.Should().HaveCount(6);
        model.eval();
        using (no_grad())
        {
            foreach (var sample in samples)
            {
                using var scope = NewDisposeScope();
                var ids = tensor(sample.InputIds.Select(i => (long)i).ToArray(), [1, sample.Length]);
                var values = model.Forward(ids).Values!;
                sample.OldValue.Should().BeApproximately(values[0, sample.PromptLength - 1].item<float>(), 1e-5, "V(s_t) is read at the last context token");
                Math.Abs(values[0, sample.PromptLength].item<float>() - sample.OldValue).Should().BeGreaterThan(1e-6, "the first action token already gives another value");
            }

            // The training forward reads the same position.
            using var batch = TrainingBatch.Collate(samples);
            using var batchScope = NewDisposeScope();
            var trained = PolicyLogProbs.WithValues(model, batch).Values.data<float>().ToArray();
            trained.Zip(samples).Should().OnlyContain(p => Math.Abs(p.First - p.Second.OldValue) < 1e-5);
        }

        // Whitening changes the policy's advantages only: affine in the raw ones, token-weighted mean 0 and variance 1.
        samples.Select(s => s.OldValue).Should().Equal(raw.Select(s => s.OldValue));
        samples.Select(s => s.ValueTarget).Should().Equal(raw.Select(s => s.ValueTarget));
        samples.Select(s => s.ValueTarget - s.OldValue).Should().Equal(raw.Select(s => s.Advantage), (x, y) => Math.Abs(x - y) < 1e-12);
        double tokens = samples.Sum(s => s.ActionLength);
        var mean = samples.Sum(s => s.ActionLength * s.Advantage) / tokens;
        var variance = samples.Sum(s => s.ActionLength * s.Advantage * s.Advantage) / tokens;
        mean.Should().BeApproximately(0, 1e-9);
        variance.Should().BeApproximately(1, 1e-6);
        var rawMean = raw.Sum(s => s.ActionLength * s.Advantage) / tokens;
        var rawVariance = raw.Sum(s => s.ActionLength * (s.Advantage - rawMean) * (s.Advantage - rawMean)) / tokens;
        rawVariance.Should().BeGreaterThan(1e-4);
        samples.Zip(raw).Should().OnlyContain(p => Math.Abs(p.First.Advantage - ((p.Second.Advantage - rawMean) / Math.Sqrt(rawVariance + 1e-8))) < 1e-9);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0)]
    public void The_value_loss_reaches_the_value_head_through_the_state_positions_only_and_context_tokens_get_no_policy_gradient(double valueCoefficient)
    {
        using var model = new PolicyModel(Critic, seed: 54);
        var samples = new[]
        {
            PolicyLossTests.Synthetic(prompt: 5, action: 4, advantage: 1.5, seed: 1) with { OldValue = 0.1, ValueTarget = 0.9 },
            PolicyLossTests.Synthetic(prompt: 3, action: 2, advantage: -0.5, seed: 2) with { OldValue = -0.2, ValueTarget = -1.0 },
        };
        using var batch = TrainingBatch.Collate(samples);
        // No value clipping here: a clipped sequence gets no value gradient, which would blunt the check.
        var options = new PolicyLossOptions(PolicyAlgorithm.Ppo, KlBeta: 0, Ppo: new PpoOptions(ValueCoefficient: valueCoefficient, ValueClip: 0));

        using (var scope = NewDisposeScope())
        {
            var output = PolicyLoss.Compute(model, batch, null, options);
            output.Loss.backward();
            output.ValueLoss.Should().NotBeNull();
            output.Loss.item<float>().Should().BeApproximately(output.PolicyTerm.item<float>() + ((float)valueCoefficient * output.ValueLoss!.item<float>()), 1e-6f);
            var head = model.named_parameters().Where(p => p.name.StartsWith("value_head.", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
            head.Should().HaveCount(2);
            if (valueCoefficient > 0)
            {
                head.Select(p => p.grad?.abs().sum().item<float>() ?? 0).Should().OnlyContain(g => g > 0);
            }
            else
            {
                head.Select(p => p.grad?.abs().sum().item<float>() ?? 0).Should().OnlyContain(g => g == 0, "c_v = 0 leaves the value head untrained");
            }
        }

        // Where the gradient enters: the logits that score action tokens, and the values at the last context tokens.
        using var mirror = NewDisposeScope();
        var forward = model.Forward(batch.InputIds, batch.Positions, batch.AttentionMask);
        forward.Logits.retain_grad();
        forward.Values!.retain_grad();
        var logProbs = PolicyLogProbs.FromLogits(forward.Logits, batch);
        var policyLoss = PolicyLoss.Compute(logProbs, logProbs.detach(), null, batch.Advantages, batch.LossMask, options);
        var valueLoss = PolicyLoss.ValueLoss(PolicyLogProbs.StateValues(forward.Values, batch), batch.OldValues, batch.ValueTargets, valueClip: 0);
        (policyLoss.Loss + (valueLoss * 0.5)).backward();
        var logitGradient = forward.Logits.grad!.abs().sum(-1);
        var valueGradient = forward.Values.grad!.abs();
        for (var i = 0; i < samples.Length; i++)
        {
            var logitRow = logitGradient[i].data<float>().ToArray();
            var valueRow = valueGradient[i].data<float>().ToArray();
            for (var j = 0; j < logitRow.Length; j++)
            {
                var scoresAction = j >= samples[i].PromptLength - 1 && j <= samples[i].Length - 2;
                (logitRow[j] > 0).Should().Be(scoresAction, $"sequence {i} position {j} {(scoresAction ? "scores an action token" : "scores context or padding")}");
                (valueRow[j] > 0).Should().Be(j == samples[i].PromptLength - 1, $"sequence {i}'s state is its position {samples[i].PromptLength - 1}");
            }
        }
    }

    [Fact]
    public void The_clipped_value_loss_equals_its_hand_computed_value_and_clipped_sequences_get_no_gradient()
    {
        using var scope = NewDisposeScope();

        var values = tensor(ClipCaseValues).requires_grad_();
        var old = tensor(ClipCaseOldValues);
        var targets = tensor(ClipCaseTargets);

        var loss = PolicyLoss.ValueLoss(values, old, targets, valueClip: 0.2);
        loss.backward();

        // 0.5·max: (0.36, 0.36) -> 0.18; (0.01, (0.7 − 2)² = 1.69) -> 0.845; (1.96, (0.7 − 0.6)² = 0.01) -> 0.98; mean over 3.
        loss.item<float>().Should().BeApproximately((0.18f + 0.845f + 0.98f) / 3, 1e-6f);
        float[] gradient = [0.6f / 3, 0, 1.4f / 3];
        values.grad!.data<float>().ToArray().Zip(gradient).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-6);

        PolicyLoss.ValueLoss(values, old, targets, valueClip: 0).item<float>().Should().BeApproximately(0.5f * (0.36f + 0.01f + 1.96f) / 3, 1e-6f, "ε_v = 0 turns clipping off");
        PolicyLoss.ValueLoss(values, old, targets, valueClip: 0.2, sequenceCount: 6).item<float>().Should().BeApproximately((0.18f + 0.845f + 0.98f) / 6, 1e-6f, "a step's micro-batches average over all its sequences");
    }

    [Fact]
    public async Task Ppo_epochs_on_real_episodes_reduce_the_value_loss_stay_finite_and_leave_no_tensor_behind()
    {
        using var model = new PolicyModel(Critic, seed: 53);
        using var reference = new PolicyModel(Critic, seed: 53);
        var policy = NewPolicy(model, maxNewTokens: 8);
        var records = new List<EpisodeRecord>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            records.Add(await Play(policy, new LetterEnvironment(), attempt, seed: 5, attempt, ContextPolicy.Full));
        }

        var builder = new TrainingSampleBuilder(policy.Template);
        var built = records.SelectMany(r => builder.Build(r)).ToList();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var samples = PpoSamples.Assign(model, records, built, new PpoOptions(), policy.Template, ContextPolicy.Full, microBatchSize: 3);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live, "computing the old values frees everything it creates");

        var options = new PolicyLossOptions(PolicyAlgorithm.Ppo, KlBeta: 0.04, Ppo: new PpoOptions());
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions(LearningRate: 1e-3));

        // Several epochs over one batch, as PPO takes them: the first step creates AdamW's state, which lives on.
        var steps = new List<PolicyUpdateResult> { PolicyUpdate.Step(model, optimizer, samples, options, reference, microBatchSize: 3) };
        live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var epoch = 1; epoch < 6; epoch++)
        {
            steps.Add(PolicyUpdate.Step(model, optimizer, samples, options, reference, microBatchSize: 3));
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live, "a PPO step frees everything it creates");
        var first = steps[0];
        first.Sequences.Should().Be(8);
        first.ClipFraction.Should().Be(0, "the first epoch's ratios are 1: the recorded log-probs are the policy's own");
        first.Kl.Should().BeApproximately(0, 1e-6);
        first.ValueLoss.Should().BeApproximately(samples.Average(s => 0.5 * Math.Pow(s.ValueTarget - s.OldValue, 2)), 1e-5, "V = V_old before the first update");
        first.ExplainedVariance.Should().Be(PolicyUpdate.ExplainedVariance(samples));
        steps[^1].ValueLoss.Should().BeLessThan(first.ValueLoss);
        steps.Should().OnlyContain(s => double.IsFinite(s.Loss) && double.IsFinite(s.PolicyTerm) && double.IsFinite(s.Kl) && double.IsFinite(s.ValueLoss) && double.IsFinite(s.GradNorm) && double.IsFinite(s.ExplainedVariance));
        steps.Skip(1).Should().Contain(s => s.ClipFraction > 0, "later epochs move the ratios away from the rollout's, and the clip takes effect");
        using var scope = NewDisposeScope();
        model.parameters().Should().OnlyContain(p => p.isfinite().all().item<bool>());
    }

    [Fact]
    public void Ppo_without_a_value_head_says_how_to_get_one()
    {
        using var model = new PolicyModel(Tiny, seed: 55);
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions());
        var samples = new[] { PolicyLossTests.Synthetic(prompt: 4, action: 3, advantage: 1, seed: 3) };
        var template = new ChatTemplate(ByteTokenizer.Instance);

        var assign = () => PpoSamples.Assign(model, [], [], new PpoOptions(), template, ContextPolicy.Full);
        var step = () => PolicyUpdate.Step(model, optimizer, samples, new PolicyLossOptions(PolicyAlgorithm.Ppo, KlBeta: 0));

        foreach (var act in new Action[] { () => assign(), () => step() })
        {
            act.Should().Throw<InvalidOperationException>().WithMessage("PPO needs a value head*ValueHead = true*valueHead: true*adaptValueHead: true*");
        }

        optimizer.Steps.Should().Be(0);
    }

    [Theory]
    [InlineData(0.0, 0.95, 0.5, 0.2, "PpoOptions.Gamma must be in (0, 1], got 0")]
    [InlineData(1.5, 0.95, 0.5, 0.2, "PpoOptions.Gamma must be in (0, 1], got 1.5")]
    [InlineData(1.0, -0.1, 0.5, 0.2, "PpoOptions.Lambda must be in [0, 1], got -0.1")]
    [InlineData(1.0, double.NaN, 0.5, 0.2, "PpoOptions.Lambda must be in [0, 1], got NaN")]
    [InlineData(1.0, 0.95, -1.0, 0.2, "PpoOptions.ValueCoefficient must be 0 or positive, got -1")]
    [InlineData(1.0, 0.95, double.PositiveInfinity, 0.2, "PpoOptions.ValueCoefficient must be 0 or positive, got Infinity")]
    [InlineData(1.0, 0.95, 0.5, -0.2, "PpoOptions.ValueClip must be 0 (no value clipping) or positive, got -0.2")]
    public void Invalid_ppo_options_are_refused_by_name_and_value(double gamma, double lambda, double valueCoefficient, double valueClip, string message)
    {
        var options = new PpoOptions(gamma, lambda, valueCoefficient, valueClip);

        options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which.Message.Should().Be(message);
        new PolicyLossOptions(PolicyAlgorithm.Ppo, Ppo: options).Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which.Message.Should().Be(message);
        new PolicyLossOptions(PolicyAlgorithm.Grpo, Ppo: options).Validate().Should().NotBeNull("GRPO ignores PPO's settings");
    }

    [Fact]
    public void Valid_ppo_options_pass_and_ppo_has_no_group_advantage_estimator()
    {
        new PpoOptions().Validate().Should().Be(new PpoOptions(1.0, 0.95, 0.5, 0.2, true));
        new PpoOptions(Gamma: 1e-3, Lambda: 0, ValueCoefficient: 0, ValueClip: 0).Validate();
        new PpoOptions(Lambda: 1).Validate();
        new PolicyLossOptions(PolicyAlgorithm.Ppo).EffectivePpo.Should().Be(new PpoOptions());

        var estimator = () => new PolicyLossOptions(PolicyAlgorithm.Ppo).Advantages;
        estimator.Should().Throw<InvalidOperationException>().WithMessage("*turn-level GAE*PpoSamples.Assign*");
    }

    private static Task<EpisodeRecord> Play(TorchPolicy policy, LetterEnvironment environment, long episode, long seed, int attempt, IContextPolicy memory) =>
        EpisodeRunner.RunAsync(environment, new AttemptPolicy(policy, attempt), episode, seed, memory, new ChatTemplateTokenCounter(policy.Template));
}
