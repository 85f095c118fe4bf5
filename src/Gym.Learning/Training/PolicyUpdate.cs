using Gym.Learning.Model;

namespace Gym.Learning.Training;

/// <summary>What one policy update did, averaged over the action tokens of its samples.</summary>
/// <param name="Sequences">How many sequences (turns) trained.</param>
/// <param name="ActionTokens">How many action tokens trained.</param>
/// <param name="Loss">The loss (policy term + β·KL).</param>
/// <param name="PolicyTerm">The negated surrogate objective.</param>
/// <param name="Kl">The k3 estimate of KL to the reference (0 without one).</param>
/// <param name="ClipFraction">The share of tokens whose ratio was outside [1 − ε, 1 + ε].</param>
/// <param name="GradNorm">The gradient norm before clipping.</param>
/// <param name="ValueLoss">PPO: the value loss, averaged over the sequences (before c_v); 0 for GRPO and RLOO.</param>
/// <param name="ExplainedVariance">
/// PPO: how much of the targets' variance the rollout values explain, <c>1 − Var(R − V_old) / Var(R)</c> over
/// the step's samples (1 is perfect, 0 no better than a constant, negative worse); 0 when Var(R) = 0, and for
/// GRPO and RLOO.
/// </param>
public sealed record PolicyUpdateResult(int Sequences, int ActionTokens, double Loss, double PolicyTerm, double Kl, double ClipFraction, double GradNorm, double ValueLoss = 0, double ExplainedVariance = 0);

/// <summary>One optimizer step of the policy loss over a set of samples.</summary>
public static class PolicyUpdate
{
    /// <summary>
    /// Takes one optimizer step on <paramref name="samples"/> (which carry their advantages): collates
    /// them into micro-batches of similar lengths on the model's device, computes the reference's
    /// log-probs for each (when β &gt; 0), and accumulates the gradients of the token-mean loss over all
    /// samples' action tokens (for PPO plus c_v times the sequence-mean value loss) before a single update.
    /// </summary>
    /// <remarks>
    /// PPO usually takes several epochs over one batch: call this again on the same samples. Their
    /// <see cref="TrainingSample.OldLogProbs"/>, <see cref="TrainingSample.OldValue"/> and
    /// <see cref="TrainingSample.ValueTarget"/> stay the rollout's, so the ratios and values move away from
    /// them from the second call on and the clips take effect.
    /// </remarks>
    /// <param name="model">The policy being trained.</param>
    /// <param name="optimizer">Its optimizer.</param>
    /// <param name="samples">The training sequences (at least one).</param>
    /// <param name="options">Algorithm, ε, β and PPO's settings.</param>
    /// <param name="reference">The frozen reference model; required when β &gt; 0.</param>
    /// <param name="microBatchSize">Most sequences per forward pass: bounds the memory of the [B, T, T] attention scores and [B, T, V] logits.</param>
    public static PolicyUpdateResult Step(
        PolicyModel model,
        PolicyOptimizer optimizer,
        IReadOnlyList<TrainingSample> samples,
        PolicyLossOptions options,
        PolicyModel? reference = null,
        int microBatchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatchSize, 1);
        options.Validate();
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples to train on", nameof(samples));
        }

        if (options.KlBeta > 0 && reference is null)
        {
            throw new ArgumentException("a KL weight above 0 needs a reference model", nameof(reference));
        }

        var ppo = options.Algorithm == PolicyAlgorithm.Ppo;
        if (ppo)
        {
            PpoSamples.RequireValueHead(model);
        }

        // Similar lengths together waste less on padding; the loss is a token sum, so order is free.
        var chunks = samples.OrderBy(s => s.Length).Chunk(microBatchSize).ToArray();
        var tokens = samples.Sum(s => s.ActionLength);
        var batches = new List<TrainingBatch>(chunks.Length);
        double policyTerm = 0, kl = 0, clipFraction = 0, valueLoss = 0;
        try
        {
            var step = optimizer.Step(chunks.Length, k =>
            {
                // The batch outlives this micro-batch's scope: its tensors feed the backward pass that follows.
                var batch = TrainingBatch.Collate(chunks[k], model.Device);
                batches.Add(batch);
                var referenceLogProbs = options.KlBeta > 0 ? PolicyLogProbs.Inference(reference!, batch) : null;
                var output = PolicyLoss.Compute(model, batch, referenceLogProbs, options, tokens, samples.Count);
                policyTerm += output.PolicyTerm.item<float>();
                kl += output.Kl.item<float>();
                clipFraction += output.ClipFraction.item<float>();
                valueLoss += output.ValueLoss?.item<float>() ?? 0;
                return output.Loss;
            });
            var explained = ppo ? ExplainedVariance(samples) : 0;
            return new PolicyUpdateResult(samples.Count, tokens, step.Loss, policyTerm, kl, clipFraction, step.GradNorm, valueLoss, explained);
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch.Dispose();
            }
        }
    }

    /// <summary>
    /// <c>1 − Var(R − V_old) / Var(R)</c> over the samples' <see cref="TrainingSample.ValueTarget"/> R and
    /// <see cref="TrainingSample.OldValue"/> V_old (population variances, each sample weighing the same); 0
    /// when Var(R) is 0 or not finite.
    /// </summary>
    public static double ExplainedVariance(IReadOnlyList<TrainingSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return 0;
        }

        var targets = samples.Select(s => s.ValueTarget).ToArray();
        var residuals = samples.Select(s => s.ValueTarget - s.OldValue).ToArray();
        var variance = Variance(targets);
        if (!(variance > 0) || !double.IsFinite(variance))
        {
            return 0;
        }

        var explained = 1 - (Variance(residuals) / variance);
        return double.IsFinite(explained) ? explained : 0;
    }

    private static double Variance(double[] values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / values.Length;
    }
}
