namespace Gym.Core.Rewards;

/// <summary>
/// Scalar combinators and transforms applied to reward components: gates, clipping, bounded
/// squashing against a reference, and potential-based shaping.
/// </summary>
public static class RewardTransforms
{
    /// <summary>
    /// Hard gate: <paramref name="value"/> when it reaches <paramref name="threshold"/>, else 0, so a
    /// component below its bar contributes nothing rather than partial credit.
    /// </summary>
    /// <param name="value">The gated reward (finite).</param>
    /// <param name="threshold">The bar <paramref name="value"/> must reach (finite).</param>
    public static double Gate(double value, double threshold)
    {
        RewardArguments.Finite(value);
        RewardArguments.Finite(threshold);
        return value >= threshold ? value : 0;
    }

    /// <summary>
    /// Sequential combination: 0 if any child is 0, otherwise the last child's value. Earlier children
    /// act as prerequisites (e.g. "parses", then "is correct") for the last one.
    /// </summary>
    /// <param name="children">The children in order (finite values); an empty list gives 0.</param>
    public static double Sequential(IReadOnlyList<double> children)
    {
        RewardArguments.AllFinite(children);
        if (children.Count == 0)
        {
            return 0;
        }

        foreach (var child in children)
        {
            if (child == 0)
            {
                return 0;
            }
        }

        return children[^1];
    }

    /// <summary>Clamps <paramref name="value"/> to [<paramref name="lo"/>, <paramref name="hi"/>].</summary>
    /// <param name="value">The reward (finite).</param>
    /// <param name="lo">Lower bound; may be −∞ for none.</param>
    /// <param name="hi">Upper bound; may be +∞ for none.</param>
    /// <exception cref="ArgumentException"><paramref name="lo"/> &gt; <paramref name="hi"/>, or a NaN argument.</exception>
    public static double Clip(double value, double lo, double hi)
    {
        RewardArguments.Finite(value);
        RewardArguments.NotNaN(lo);
        RewardArguments.NotNaN(hi);
        if (lo > hi)
        {
            throw new ArgumentException($"Clip needs lo <= hi, got lo = {lo} and hi = {hi}.", nameof(lo));
        }

        return Math.Clamp(value, lo, hi);
    }

    /// <summary>
    /// PAR, Preference As Reward (Fu et al. 2025, "Reward Shaping to Mitigate Reward Hacking in RLHF"):
    /// <c>σ(r − r_ref)</c>. Bounded in (0, 1) and centered at 0.5 when the reward equals the reference,
    /// so a policy gains little by pushing the reward far past the reference.
    /// </summary>
    /// <param name="value">The reward r (finite).</param>
    /// <param name="reference">The reference reward r_ref, e.g. that of a reference policy's response (finite).</param>
    public static double Par(double value, double reference)
    {
        RewardArguments.Finite(value);
        RewardArguments.Finite(reference);
        return Sigmoid(value - reference);
    }

    /// <summary>
    /// LSC, log-sigmoid centering (Wang et al. 2024, "Transforming and Combining Rewards for Aligning
    /// Large Language Models"): <c>log σ(r − r_ref)</c>, the log-probability under a Bradley–Terry model
    /// that the response beats the reference. Summing transformed components is then the log-probability
    /// of being good on all of them. Computed as <c>−softplus(−x)</c> so it stays accurate for large |x|
    /// (≈ x for very negative x, ≈ −e^(−x) for very positive x).
    /// </summary>
    /// <param name="value">The reward r (finite).</param>
    /// <param name="reference">The reference reward r_ref (finite).</param>
    /// <returns>A value ≤ 0.</returns>
    public static double Lsc(double value, double reference)
    {
        RewardArguments.Finite(value);
        RewardArguments.Finite(reference);
        var x = value - reference;
        // log σ(x) = −log(1 + e^(−x)); for x < 0 factor out e^x so the exponential never overflows.
        return x >= 0 ? -Log1P(Math.Exp(-x)) : x - Log1P(Math.Exp(x));
    }

    /// <summary>
    /// Potential-based shaping term (Ng, Harada and Russell 1999, "Policy Invariance Under Reward
    /// Transformations"): <c>F(s, s′) = γ·Φ(s′) − Φ(s)</c>. Added to the environment reward it leaves the
    /// optimal policies unchanged, because along any trajectory the terms telescope to
    /// <c>−Φ(s₀)</c> plus a discounted final potential; terminal states must have potential 0.
    /// </summary>
    /// <param name="gamma">The discount γ used by the learner, in [0, 1].</param>
    /// <param name="potentialBefore">Φ(s), the potential before the step (finite).</param>
    /// <param name="potentialAfter">Φ(s′), the potential after the step (finite; 0 for a terminal state).</param>
    public static double Shaping(double gamma, double potentialBefore, double potentialAfter)
    {
        RewardArguments.UnitInterval(gamma);
        RewardArguments.Finite(potentialBefore);
        RewardArguments.Finite(potentialAfter);
        return (gamma * potentialAfter) - potentialBefore;
    }

    /// <summary>
    /// The logistic function <c>σ(x) = 1 / (1 + e^(−x))</c>, evaluated without overflow for any x
    /// (σ(+∞) = 1, σ(−∞) = 0).
    /// </summary>
    /// <param name="x">Any number but NaN.</param>
    public static double Sigmoid(double x)
    {
        RewardArguments.NotNaN(x);
        if (x >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        // For negative x, e^(−x) can overflow; e^x cannot, and this form keeps tiny results accurate.
        var e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>
    /// log(1 + y) accurate for tiny y. <see cref="double.LogP1"/> is computed as log(y + 1), which rounds
    /// 1 + y to 1 for y below 1e-16 and returns 0, losing all of log σ(x) for large x; Kahan's correction
    /// divides out the rounding error of 1 + y instead.
    /// </summary>
    private static double Log1P(double y)
    {
        var u = 1.0 + y;
        return u == 1.0 ? y : Math.Log(u) * y / (u - 1.0);
    }
}
