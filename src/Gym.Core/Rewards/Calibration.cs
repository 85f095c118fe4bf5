namespace Gym.Core.Rewards;

/// <summary>
/// Calibration rewards that pay for stated confidence matching the chance of being right.
/// </summary>
public static class Calibration
{
    /// <summary>
    /// The RLCR Brier reward (Damani et al. 2025, "Beyond Binary Rewards: Training LMs to Reason About
    /// Their Uncertainty"): <c>R = 1[correct] − (c − 1[correct])²</c>, in [−1, 1]. The Brier term is a
    /// proper scoring rule, so the expected reward <c>p·R(true, c) + (1 − p)·R(false, c)</c> is
    /// maximized exactly at <c>c = p</c>, the true probability of being correct.
    /// </summary>
    /// <param name="correct">Whether the answer was correct.</param>
    /// <param name="confidence">The confidence the agent stated, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="confidence"/> is outside [0, 1] or NaN.</exception>
    public static double Brier(bool correct, double confidence)
    {
        RewardArguments.UnitInterval(confidence);
        var y = correct ? 1.0 : 0.0;
        var error = confidence - y;
        return y - (error * error);
    }
}
