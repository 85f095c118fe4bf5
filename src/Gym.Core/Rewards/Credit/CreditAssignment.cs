namespace Gym.Core.Rewards.Credit;

/// <summary>Advantages and returns of one episode from turn-level GAE.</summary>
/// <param name="Advantages">A_t for each turn.</param>
/// <param name="Returns">A_t + V(s_t) for each turn: the value-head targets.</param>
public sealed record GaeResult(IReadOnlyList<double> Advantages, IReadOnlyList<double> Returns);

/// <summary>
/// Spreading rewards over the turns and tokens of a multi-turn episode (SPEC.md, "Credit
/// assignment"). Turns play the role of time steps; a turn's reward belongs to its last generated token.
/// </summary>
public static class CreditAssignment
{
    /// <summary>
    /// Discounted returns per turn (Sutton and Barto 2018, eq. 3.8):
    /// <c>G_t = Σ_{k=0}^{T−1−t} γ^k r_{t+k} + γ^{T−t}·bootstrap</c>, computed backwards as
    /// <c>G_t = r_t + γ·G_{t+1}</c> with <c>G_T = bootstrap</c>.
    /// </summary>
    /// <param name="rewards">r_t for each turn (finite).</param>
    /// <param name="gamma">The discount γ in [0, 1].</param>
    /// <param name="bootstrap">An estimate of the return after the last turn, for a truncated episode; 0 otherwise.</param>
    public static double[] DiscountedReturns(IReadOnlyList<double> rewards, double gamma, double bootstrap = 0)
    {
        RewardArguments.AllFinite(rewards);
        RewardArguments.UnitInterval(gamma);
        RewardArguments.Finite(bootstrap);
        var returns = new double[rewards.Count];
        var next = bootstrap;
        for (var t = rewards.Count - 1; t >= 0; t--)
        {
            next = rewards[t] + (gamma * next);
            returns[t] = next;
        }

        return returns;
    }

    /// <summary>
    /// Delayed outcome credit: the final reward discounted back to every turn,
    /// <c>r_t = γ^{T−1−t}·final</c> for t = 0 … T−1, so the last turn gets the full reward and earlier
    /// turns geometrically less.
    /// </summary>
    /// <param name="turns">The number of turns T (≥ 0).</param>
    /// <param name="final">The episode's final (outcome) reward (finite).</param>
    /// <param name="gamma">The discount γ in [0, 1].</param>
    public static double[] DelayedOutcome(int turns, double final, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(turns);
        RewardArguments.Finite(final);
        RewardArguments.UnitInterval(gamma);
        var credit = new double[turns];
        var factor = 1.0;
        for (var t = turns - 1; t >= 0; t--)
        {
            credit[t] = factor * final;
            factor *= gamma;
        }

        return credit;
    }

    /// <summary>
    /// Turn-level generalized advantage estimation (Schulman et al. 2016, "High-Dimensional Continuous
    /// Control Using Generalized Advantage Estimation"):
    /// <c>δ_t = r_t + γ·V(s_{t+1}) − V(s_t)</c> and <c>A_t = Σ_k (γλ)^k δ_{t+k}</c>, computed backwards as
    /// <c>A_t = δ_t + γλ·A_{t+1}</c>. The value after the last turn is 0 when the episode terminated
    /// (the task ended, nothing more to earn) and <paramref name="bootstrapValue"/> when it was truncated
    /// (cut off by a turn limit; the future it would have had is estimated by the value head).
    /// </summary>
    /// <param name="rewards">r_t for each turn (finite).</param>
    /// <param name="values">V(s_t) for each turn, the value head's estimate before the turn (finite, same length).</param>
    /// <param name="gamma">The discount γ in [0, 1].</param>
    /// <param name="lambda">The GAE λ in [0, 1]: 0 gives one-step TD advantages, 1 Monte Carlo returns minus V.</param>
    /// <param name="terminated">True if the episode ended on its own; false if it was truncated.</param>
    /// <param name="bootstrapValue">V(s_T) for a truncated episode; ignored when <paramref name="terminated"/>.</param>
    public static GaeResult TurnGae(IReadOnlyList<double> rewards, IReadOnlyList<double> values, double gamma, double lambda, bool terminated, double bootstrapValue = 0)
    {
        RewardArguments.AllFinite(rewards);
        RewardArguments.AllFinite(values);
        RewardArguments.SameLength(rewards, values);
        RewardArguments.UnitInterval(gamma);
        RewardArguments.UnitInterval(lambda);
        RewardArguments.Finite(bootstrapValue);

        var count = rewards.Count;
        var advantages = new double[count];
        var returns = new double[count];
        var nextValue = terminated ? 0 : bootstrapValue;
        var nextAdvantage = 0.0;
        for (var t = count - 1; t >= 0; t--)
        {
            var delta = rewards[t] + (gamma * nextValue) - values[t];
            nextAdvantage = delta + (gamma * lambda * nextAdvantage);
            advantages[t] = nextAdvantage;
            returns[t] = nextAdvantage + values[t];
            nextValue = values[t];
        }

        return new GaeResult(advantages, returns);
    }

    /// <summary>
    /// Places each turn's reward on that turn's last generated token, the position where the policy
    /// finished the action the reward judges; all other tokens get 0.
    /// </summary>
    /// <param name="turnTokenCounts">How many tokens the policy generated in each turn (each ≥ 1).</param>
    /// <param name="turnRewards">Each turn's reward (finite, same length).</param>
    /// <returns>An array of length Σ turnTokenCounts, over the generated tokens of all turns in order.</returns>
    /// <exception cref="ArgumentException">A turn has fewer than one token, or the lists differ in length.</exception>
    public static double[] TokenRewards(IReadOnlyList<int> turnTokenCounts, IReadOnlyList<double> turnRewards)
    {
        ArgumentNullException.ThrowIfNull(turnTokenCounts);
        RewardArguments.AllFinite(turnRewards);
        RewardArguments.SameLength(turnTokenCounts, turnRewards);
        long total = 0;
        for (var i = 0; i < turnTokenCounts.Count; i++)
        {
            if (turnTokenCounts[i] < 1)
            {
                throw new ArgumentException($"turn {i} has {turnTokenCounts[i]} generated tokens; every turn needs at least 1 to carry its reward.", nameof(turnTokenCounts));
            }

            total += turnTokenCounts[i];
        }

        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"The turns hold {total} tokens in all, more than an array can.", nameof(turnTokenCounts));
        }

        var tokens = new double[total];
        long position = -1;
        for (var i = 0; i < turnTokenCounts.Count; i++)
        {
            position += turnTokenCounts[i];
            tokens[position] = turnRewards[i];
        }

        return tokens;
    }
}
