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

    /// <summary>
    /// PPO (Schulman et al. 2017) with a value head: GRPO's clipped surrogate with per-turn advantages from
    /// turn-level GAE (<see cref="PpoSamples.Assign"/>), plus a clipped value loss (<see cref="PolicyLoss.ValueLoss"/>).
    /// Needs a model with a value head (<see cref="Model.PolicyConfig.ValueHead"/>).
    /// </summary>
    Ppo,
}

/// <summary>Settings of the policy loss.</summary>
/// <param name="Algorithm">GRPO, RLOO or PPO.</param>
/// <param name="ClipEpsilon">GRPO's and PPO's ε: the ratio is clipped to [1 − ε, 1 + ε] (SPEC.md: ε ≈ 0.2).</param>
/// <param name="KlBeta">β, the weight of the k3 KL estimate to the frozen reference; 0 needs no reference model.</param>
/// <param name="Ppo">PPO's settings (γ, λ, value loss); the defaults when null. Ignored by GRPO and RLOO.</param>
public sealed record PolicyLossOptions(PolicyAlgorithm Algorithm = PolicyAlgorithm.Grpo, double ClipEpsilon = 0.2, double KlBeta = 0.04, PpoOptions? Ppo = null)
{
    /// <summary>The PPO settings in force.</summary>
    public PpoOptions EffectivePpo => Ppo ?? new PpoOptions();

    /// <summary>The advantage estimator the algorithm uses: group-relative for GRPO, leave-one-out for RLOO.</summary>
    /// <exception cref="InvalidOperationException">The algorithm is PPO, whose advantages come from GAE (<see cref="PpoSamples.Assign"/>), not from groups.</exception>
    public AdvantageEstimator Advantages => Algorithm switch
    {
        PolicyAlgorithm.Grpo => AdvantageEstimator.GroupRelative,
        PolicyAlgorithm.Rloo => AdvantageEstimator.LeaveOneOut,
        _ => throw new InvalidOperationException($"{Algorithm} has no group advantage estimator: PPO's advantages come from turn-level GAE with the value head ({nameof(PpoSamples)}.{nameof(PpoSamples.Assign)})"),
    };

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

        if (Algorithm == PolicyAlgorithm.Ppo)
        {
            EffectivePpo.Validate();
        }

        return this;
    }
}

/// <summary>A policy loss and its parts, each a scalar tensor of the caller's dispose scope.</summary>
/// <param name="Loss">What to minimize: <see cref="PolicyTerm"/> + β·<see cref="Kl"/>, plus c_v·<see cref="ValueLoss"/> for PPO.</param>
/// <param name="PolicyTerm">The negated surrogate objective, token-averaged.</param>
/// <param name="Kl">The k3 estimate of KL(policy ‖ reference), token-averaged; 0 without a reference.</param>
/// <param name="ClipFraction">The share of action tokens whose ratio lies outside [1 − ε, 1 + ε] (no gradient).</param>
public sealed record PolicyLossOutput(Tensor Loss, Tensor PolicyTerm, Tensor Kl, Tensor ClipFraction)
{
    /// <summary>PPO's value loss (<see cref="PolicyLoss.ValueLoss"/>), sequence-averaged; null for GRPO and RLOO.</summary>
    public Tensor? ValueLoss { get; init; }
}

/// <summary>
/// GRPO, RLOO and PPO losses over per-token log-probs [B, T] of a <see cref="TrainingBatch"/>. Every policy
/// and KL term is a token mean over the action tokens of the batch (each token weighs the same, whatever its
/// sequence's length); masked tokens contribute nothing and get no gradient. PPO's value term is a mean over
/// sequences (one state per turn).
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
    /// (<see cref="PolicyLogProbs.TokenLogProbs"/>, with gradient) against the batch's recorded ones. For PPO
    /// the same forward also gives the state values (<see cref="PolicyLogProbs.WithValues"/>), and the loss
    /// adds c_v times <see cref="ValueLoss"/> against the batch's old values and value targets.
    /// </summary>
    /// <param name="model">The policy being trained.</param>
    /// <param name="batch">The samples, with their advantages (and, for PPO, old values and value targets).</param>
    /// <param name="referenceLogProbs">The frozen reference's log-probs [B, T] (<see cref="PolicyLogProbs.Inference"/>); required when β &gt; 0.</param>
    /// <param name="options">Algorithm, ε, β and PPO's settings.</param>
    /// <param name="tokenCount">The number of action tokens to average over; null for this batch's. Pass the step's total when a step spans several micro-batches, so their losses add up to the step's token mean.</param>
    /// <param name="sequenceCount">PPO: the number of sequences the value loss averages over; null for this batch's. Pass the step's total, as for <paramref name="tokenCount"/>.</param>
    /// <exception cref="InvalidOperationException">PPO with a model that has no value head.</exception>
    public static PolicyLossOutput Compute(PolicyModel model, TrainingBatch batch, Tensor? referenceLogProbs, PolicyLossOptions options, double? tokenCount = null, double? sequenceCount = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Algorithm != PolicyAlgorithm.Ppo)
        {
            var logProbs = PolicyLogProbs.TokenLogProbs(model, batch);
            return Compute(logProbs, batch.OldLogProbs, referenceLogProbs, batch.Advantages, batch.LossMask, options, tokenCount);
        }

        PpoSamples.RequireValueHead(model);
        using var scope = NewDisposeScope();
        var ppo = options.Validate().EffectivePpo;
        var evaluated = PolicyLogProbs.WithValues(model, batch);
        var policy = Compute(evaluated.LogProbs, batch.OldLogProbs, referenceLogProbs, batch.Advantages, batch.LossMask, options, tokenCount);
        var valueLoss = ValueLoss(evaluated.Values, batch.OldValues, batch.ValueTargets, ppo.ValueClip, sequenceCount);

        // c_v = 0 leaves the value term out of the graph: the value head then gets no gradient at all.
        var loss = ppo.ValueCoefficient > 0 ? policy.Loss + (valueLoss * ppo.ValueCoefficient) : policy.Loss;
        return new PolicyLossOutput(
            loss.MoveToOuterDisposeScope(),
            policy.PolicyTerm.MoveToOuterDisposeScope(),
            policy.Kl.MoveToOuterDisposeScope(),
            policy.ClipFraction.MoveToOuterDisposeScope())
        {
            ValueLoss = valueLoss.MoveToOuterDisposeScope(),
        };
    }

    /// <summary>
    /// PPO's clipped value loss, averaged over sequences: per sequence with value V (with gradient), old value
    /// V_old and target R, <c>0.5·max((V − R)², (V_old + clip(V − V_old, −ε_v, ε_v) − R)²)</c>; with ε_v = 0 it
    /// is <c>0.5·(V − R)²</c>. Where the clipped term is the larger (V moved more than ε_v from V_old, towards
    /// R), the sequence gets no gradient: one batch cannot pull a value further than ε_v from its rollout
    /// estimate, as PPO's ratio clip does for the policy.
    /// </summary>
    /// <param name="values">V [B] (with gradient).</param>
    /// <param name="oldValues">V_old [B], the values at rollout.</param>
    /// <param name="targets">R [B], the λ-returns.</param>
    /// <param name="valueClip">ε_v (0 or more; 0 turns clipping off).</param>
    /// <param name="sequenceCount">The number of sequences to average over; null for B.</param>
    public static Tensor ValueLoss(Tensor values, Tensor oldValues, Tensor targets, double valueClip, double? sequenceCount = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(oldValues);
        ArgumentNullException.ThrowIfNull(targets);
        if (!(valueClip >= 0) || double.IsInfinity(valueClip))
        {
            throw new ArgumentOutOfRangeException(nameof(valueClip), valueClip, "the value clip must be 0 (off) or positive");
        }

        var count = sequenceCount ?? Math.Max(values.numel(), 1);
        if (!(count > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sequenceCount), sequenceCount, "the sequence count must be positive");
        }

        using var scope = NewDisposeScope();
        var device = values.device;
        var value = values.to_type(ScalarType.Float32);
        var target = targets.to(ScalarType.Float32, device).detach();
        var squared = (value - target).square();
        if (valueClip > 0)
        {
            var old = oldValues.to(ScalarType.Float32, device).detach();
            var clipped = old + (value - old).clamp(-valueClip, valueClip);
            squared = maximum(squared, (clipped - target).square());
        }

        return (squared.sum() * (0.5 / count)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The loss from per-token log-probs. Per action token, with ratio r = exp(log p − log p_old) and the
    /// sequence's advantage A: GRPO's (and PPO's) surrogate <c>min(r·A, clip(r, 1 − ε, 1 + ε)·A)</c>, RLOO's
    /// <c>r·A</c>; the loss is the negated surrogate plus β·k3, averaged over the action tokens. PPO's value
    /// term is not part of it: see <see cref="ValueLoss"/> and the model overload, which adds it.
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
        if (options.Algorithm is PolicyAlgorithm.Grpo or PolicyAlgorithm.Ppo)
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
