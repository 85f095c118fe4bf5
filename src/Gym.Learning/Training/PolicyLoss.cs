using System.Globalization;
using Gym.Learning.Model;
using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>Which policy-gradient objective <see cref="PolicyLoss"/> computes.</summary>
public enum PolicyAlgorithm
{
    /// <summary>
    /// GRPO (Shao et al. 2024, "DeepSeekMath"): group-relative advantages and PPO's clipped importance ratio.
    /// </summary>
    Grpo,

    /// <summary>
    /// REINFORCE with the leave-one-out baseline, RLOO (Ahmadian et al. 2024): leave-one-out advantages and
    /// the plain importance ratio, not clipped (at the first step on fresh rollouts the ratio is 1 and the
    /// gradient is exactly REINFORCE's <c>−A·∇log p</c>).
    /// </summary>
    Rloo,
}

/// <summary>Settings of the policy loss.</summary>
/// <param name="Algorithm">GRPO or RLOO.</param>
/// <param name="ClipEpsilon">GRPO's ε: the ratio is clipped to [1 − ε, 1 + ε] (SPEC.md: ε ≈ 0.2).</param>
/// <param name="KlBeta">β, the weight of the k3 KL estimate to the frozen reference; 0 needs no reference model.</param>
public sealed record PolicyLossOptions(PolicyAlgorithm Algorithm = PolicyAlgorithm.Grpo, double ClipEpsilon = 0.2, double KlBeta = 0.04)
{
    /// <summary>The advantage estimator the algorithm uses: group-relative for GRPO, leave-one-out for RLOO.</summary>
    public AdvantageEstimator Advantages => Algorithm == PolicyAlgorithm.Grpo ? AdvantageEstimator.GroupRelative : AdvantageEstimator.LeaveOneOut;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <returns>These options, for chaining.</returns>
    public PolicyLossOptions Validate()
    {
        if (!Enum.IsDefined(Algorithm))
        {
            throw new ArgumentException($"unknown policy algorithm {(int)Algorithm}");
        }

        if (!(ClipEpsilon > 0 && ClipEpsilon < 1))
        {
            throw new ArgumentException($"{nameof(ClipEpsilon)} must be in (0, 1), got {ClipEpsilon.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!(KlBeta >= 0) || double.IsInfinity(KlBeta))
        {
            throw new ArgumentException($"{nameof(KlBeta)} must be 0 or positive, got {KlBeta.ToString(CultureInfo.InvariantCulture)}");
        }

        return this;
    }
}

/// <summary>A policy loss and its parts, each a scalar tensor of the caller's dispose scope.</summary>
/// <param name="Loss">What to minimize: <see cref="PolicyTerm"/> + β·<see cref="Kl"/>.</param>
/// <param name="PolicyTerm">The negated surrogate objective, token-averaged.</param>
/// <param name="Kl">The k3 estimate of KL(policy ‖ reference), token-averaged; 0 without a reference.</param>
/// <param name="ClipFraction">The share of action tokens whose ratio lies outside [1 − ε, 1 + ε] (no gradient).</param>
public sealed record PolicyLossOutput(Tensor Loss, Tensor PolicyTerm, Tensor Kl, Tensor ClipFraction);

/// <summary>
/// GRPO and RLOO losses over per-token log-probs [B, T] of a <see cref="TrainingBatch"/>. Every term is a
/// token mean over the action tokens of the batch (each token weighs the same, whatever its sequence's
/// length); masked tokens contribute nothing and get no gradient.
/// </summary>
public static class PolicyLoss
{
    /// <summary>
    /// The k3 estimator of KL(p ‖ q) per token (Schulman 2020, "Approximating KL Divergence"):
    /// <c>exp(q − p) − (q − p) − 1</c> with p the policy's and q the reference's log-prob of the sampled
    /// token. Never negative, 0 where they agree, unbiased for tokens sampled from the policy.
    /// </summary>
    public static Tensor KlK3(Tensor logProbs, Tensor referenceLogProbs)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(referenceLogProbs);
        using var scope = NewDisposeScope();
        var difference = referenceLogProbs - logProbs;
        return (difference.exp() - difference - 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The loss of <paramref name="model"/> on <paramref name="batch"/>: its per-token log-probs
    /// (<see cref="PolicyLogProbs.TokenLogProbs"/>, with gradient) against the batch's recorded ones.
    /// </summary>
    /// <param name="model">The policy being trained.</param>
    /// <param name="batch">The samples, with their advantages.</param>
    /// <param name="referenceLogProbs">The frozen reference's log-probs [B, T] (<see cref="PolicyLogProbs.Inference"/>); required when β &gt; 0.</param>
    /// <param name="options">Algorithm, ε and β.</param>
    /// <param name="tokenCount">The number of action tokens to average over; null for this batch's. Pass the step's total when a step spans several micro-batches, so their losses add up to the step's token mean.</param>
    public static PolicyLossOutput Compute(PolicyModel model, TrainingBatch batch, Tensor? referenceLogProbs, PolicyLossOptions options, double? tokenCount = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        var logProbs = PolicyLogProbs.TokenLogProbs(model, batch);
        return Compute(logProbs, batch.OldLogProbs, referenceLogProbs, batch.Advantages, batch.LossMask, options, tokenCount);
    }

    /// <summary>
    /// The loss from per-token log-probs. Per action token, with ratio r = exp(log p − log p_old) and the
    /// sequence's advantage A: GRPO's surrogate <c>min(r·A, clip(r, 1 − ε, 1 + ε)·A)</c>, RLOO's <c>r·A</c>;
    /// the loss is the negated surrogate plus β·k3, averaged over the action tokens.
    /// </summary>
    /// <param name="logProbs">The policy's log-probs [B, T] (with gradient).</param>
    /// <param name="oldLogProbs">The log-probs at sampling time [B, T].</param>
    /// <param name="referenceLogProbs">The reference's log-probs [B, T]; required when β &gt; 0, ignored when β = 0.</param>
    /// <param name="advantages">One advantage per sequence [B].</param>
    /// <param name="lossMask">1 on action tokens, 0 elsewhere [B, T].</param>
    /// <param name="options">Algorithm, ε and β.</param>
    /// <param name="tokenCount">The number of tokens to average over; null for the mask's sum.</param>
    public static PolicyLossOutput Compute(Tensor logProbs, Tensor oldLogProbs, Tensor? referenceLogProbs, Tensor advantages, Tensor lossMask, PolicyLossOptions options, double? tokenCount = null)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(oldLogProbs);
        ArgumentNullException.ThrowIfNull(advantages);
        ArgumentNullException.ThrowIfNull(lossMask);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.KlBeta > 0 && referenceLogProbs is null)
        {
            throw new ArgumentException($"a KL weight of {options.KlBeta.ToString(CultureInfo.InvariantCulture)} needs the reference model's log-probs; pass them or set {nameof(PolicyLossOptions.KlBeta)} to 0", nameof(referenceLogProbs));
        }

        using var scope = NewDisposeScope();
        var device = logProbs.device;
        var mask = lossMask.to(ScalarType.Float32, device);
        var old = oldLogProbs.to(ScalarType.Float32, device).detach();
        var advantage = advantages.to(ScalarType.Float32, device).detach().unsqueeze(1);
        var count = tokenCount is { } given ? given : Math.Max(mask.sum().item<float>(), 1.0);
        if (!(count > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, "the token count must be positive");
        }

        // Masked before exp: a masked token's ratio is exactly 1 and its k3 exactly 0, never inf or NaN.
        var ratio = ((logProbs - old) * mask).exp();
        var surrogate = ratio * advantage;
        if (options.Algorithm == PolicyAlgorithm.Grpo)
        {
            var clipped = ratio.clamp(1 - options.ClipEpsilon, 1 + options.ClipEpsilon) * advantage;
            surrogate = minimum(surrogate, clipped);
        }

        var policyTerm = -(surrogate * mask).sum() / count;
        Tensor kl;
        Tensor loss;
        if (options.KlBeta > 0)
        {
            var reference = referenceLogProbs!.to(ScalarType.Float32, device).detach();
            kl = (KlK3(logProbs * mask, reference * mask) * mask).sum() / count;
            loss = policyTerm + (kl * options.KlBeta);
        }
        else
        {
            kl = zeros([], ScalarType.Float32, device);
            loss = policyTerm;
        }

        Tensor clipFraction;
        using (no_grad())
        {
            clipFraction = (((ratio - 1).abs() > options.ClipEpsilon).to_type(ScalarType.Float32) * mask).sum() / count;
        }

        return new PolicyLossOutput(
            loss.MoveToOuterDisposeScope(),
            policyTerm.MoveToOuterDisposeScope(),
            kl.MoveToOuterDisposeScope(),
            clipFraction.MoveToOuterDisposeScope());
    }
}
