using System.Globalization;

namespace Gym.Learning.Training;

/// <summary>
/// Settings of PPO (<see cref="PolicyAlgorithm.Ppo"/>): turn-level GAE (<see cref="PpoSamples"/>) and the
/// value term of the loss (<see cref="PolicyLoss.ValueLoss"/>). The policy term's ε and the KL weight β are
/// <see cref="PolicyLossOptions"/>' own.
/// </summary>
/// <param name="Gamma">γ, the discount per turn, in (0, 1].</param>
/// <param name="Lambda">GAE's λ in [0, 1]: 0 gives one-step TD advantages, 1 Monte Carlo returns minus V.</param>
/// <param name="ValueCoefficient">c_v, the weight of the value loss (0 or more; 0 leaves the value head untrained).</param>
/// <param name="ValueClip">ε_v: the new value is kept within ±ε_v of the old one in the clipped value loss; 0 turns value clipping off.</param>
/// <param name="WhitenAdvantages">Whether the advantages are whitened over the whole batch of samples (token-weighted) before the policy term uses them.</param>
public sealed record PpoOptions(
    double Gamma = 1.0,
    double Lambda = 0.95,
    double ValueCoefficient = 0.5,
    double ValueClip = 0.2,
    bool WhitenAdvantages = true)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and its value.</summary>
    /// <returns>These options, for chaining.</returns>
    public PpoOptions Validate()
    {
        Check(Gamma is > 0 and <= 1, nameof(Gamma), Gamma, "in (0, 1]");
        Check(Lambda is >= 0 and <= 1, nameof(Lambda), Lambda, "in [0, 1]");
        Check(ValueCoefficient >= 0 && double.IsFinite(ValueCoefficient), nameof(ValueCoefficient), ValueCoefficient, "0 or positive");
        Check(ValueClip >= 0 && double.IsFinite(ValueClip), nameof(ValueClip), ValueClip, "0 (no value clipping) or positive");
        return this;
    }

    private static void Check(bool valid, string name, double value, string expected)
    {
        if (!valid)
        {
            throw new ArgumentException($"{nameof(PpoOptions)}.{name} must be {expected}, got {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
