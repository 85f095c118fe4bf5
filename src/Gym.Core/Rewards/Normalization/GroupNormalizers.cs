namespace Gym.Core.Rewards.Normalization;

/// <summary>Per-episode advantages for one group of episodes.</summary>
/// <param name="Advantages">One advantage per episode, in the group's order.</param>
/// <param name="ZeroVariance">
/// True when every reward in the group was the same: the group carries no learning signal (its
/// advantages are all 0) and trainers usually drop it.
/// </param>
public sealed record GroupAdvantages(IReadOnlyList<double> Advantages, bool ZeroVariance);

/// <summary>One episode as the hybrid normalizer sees it.</summary>
/// <param name="Outcome">The episode's outcome reward (finite).</param>
/// <param name="TurnProcess">For each turn, its process reward components by name (finite values); a turn may lack components.</param>
public sealed record HybridEpisode(double Outcome, IReadOnlyList<IReadOnlyDictionary<string, double>> TurnProcess);

/// <summary>The result of <see cref="GroupNormalizers.Hybrid"/>.</summary>
/// <param name="Rewards">R_i = outcome_i + λ·p_i for each episode, in the group's order.</param>
/// <param name="ProcessScores">p_i ∈ (0, 1) for each episode (0.5 for one without process values).</param>
/// <param name="Lambda">The λ that was used.</param>
public sealed record HybridResult(IReadOnlyList<double> Rewards, IReadOnlyList<double> ProcessScores, double Lambda);

/// <summary>
/// Turns the rewards of a group of episodes that share a seed or prompt into learning signals, as
/// group-based policy-gradient methods do.
/// </summary>
public static class GroupNormalizers
{
    /// <summary>A group whose population standard deviation is at most this is treated as constant.</summary>
    public const double ZeroVarianceTolerance = 1e-12;

    /// <summary>
    /// Group-relative advantages as in GRPO (Shao et al. 2024, "DeepSeekMath"):
    /// <c>A_i = (R_i − mean) / (std + ε)</c> with the population standard deviation (divide by G).
    /// For binary rewards with success rate p this gives <c>√((1−p)/p)</c> to successes and
    /// <c>−√(p/(1−p))</c> to failures (for ε = 0), and the advantages sum to 0.
    /// </summary>
    /// <param name="rewards">The group's rewards (at least one, all finite).</param>
    /// <param name="epsilon">Added to the standard deviation (≥ 0, finite).</param>
    /// <returns>
    /// The advantages; a group whose rewards are all equal (std ≤ <see cref="ZeroVarianceTolerance"/>)
    /// gets all-zero advantages and <see cref="GroupAdvantages.ZeroVariance"/> = true.
    /// </returns>
    public static GroupAdvantages GroupRelative(IReadOnlyList<double> rewards, double epsilon = 1e-6)
    {
        RequireGroup(rewards, 1);
        RewardArguments.Finite(epsilon);
        if (epsilon < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be >= 0.");
        }

        var (mean, std) = MeanAndStd(rewards);
        if (std <= ZeroVarianceTolerance)
        {
            return new GroupAdvantages(new double[rewards.Count], true);
        }

        var advantages = new double[rewards.Count];
        for (var i = 0; i < advantages.Length; i++)
        {
            advantages[i] = (rewards[i] - mean) / (std + epsilon);
        }

        return new GroupAdvantages(advantages, false);
    }

    /// <summary>
    /// Leave-one-out advantages as in RLOO (Kool et al. 2019, "Buy 4 REINFORCE Samples, Get a Baseline
    /// for Free!"; Ahmadian et al. 2024): <c>A_i = R_i − mean_{j≠i} R_j</c>, an unbiased baseline because
    /// it does not depend on episode i. Equivalently <c>A_i = G/(G−1)·(R_i − mean)</c>.
    /// </summary>
    /// <param name="rewards">The group's rewards (at least two, all finite).</param>
    /// <exception cref="ArgumentException">The group has fewer than two episodes.</exception>
    public static GroupAdvantages LeaveOneOut(IReadOnlyList<double> rewards)
    {
        RequireGroup(rewards, 2);
        var (_, std) = MeanAndStd(rewards);
        if (std <= ZeroVarianceTolerance)
        {
            return new GroupAdvantages(new double[rewards.Count], true);
        }

        var sum = rewards.Sum();
        var others = rewards.Count - 1;
        var advantages = new double[rewards.Count];
        for (var i = 0; i < advantages.Length; i++)
        {
            advantages[i] = rewards[i] - ((sum - rewards[i]) / others);
        }

        return new GroupAdvantages(advantages, false);
    }

    /// <summary>
    /// The hybrid process/outcome reward (this project's own rule, after PPR's ReNorm; see SPEC.md,
    /// "Combinators and normalizers"): each process component is z-scored within
    /// the group, over all turns of all episodes that report it (a component with zero spread gives
    /// z = 0); each z is squashed by σ; an episode's process score p is the mean of σ(z) over all of its
    /// turns' component values (p = 0.5 for an episode without any); and <c>R_i = outcome_i + λ·p_i</c>.
    /// Because p ∈ (0, 1) and λ is below the smallest gap between distinct outcome levels, every
    /// episode with a higher outcome outranks every episode with a lower one, whatever the process; the
    /// process only orders episodes within an outcome level. Feed the rewards to
    /// <see cref="GroupRelative"/> or <see cref="LeaveOneOut"/> for advantages.
    /// </summary>
    /// <param name="group">The group's episodes (at least one).</param>
    /// <param name="lambda">
    /// The process weight λ ≥ 0; null picks half the smallest gap between distinct outcome levels in the
    /// group (0.5 when all outcomes are equal, as for a gap of 1). When all outcomes are equal there is
    /// no gap to protect, so any λ ≥ 0 is accepted.
    /// </param>
    /// <exception cref="ArgumentException">
    /// <paramref name="lambda"/> is at least the smallest gap between distinct outcome levels, which would
    /// let a good process lift a worse outcome to or above a better one; or a value is not finite.
    /// </exception>
    public static HybridResult Hybrid(IReadOnlyList<HybridEpisode> group, double? lambda = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Count == 0)
        {
            throw new ArgumentException("The group must contain at least one episode.", nameof(group));
        }

        Validate(group);
        var gap = SmallestOutcomeGap(group);
        double weight;
        if (lambda is { } given)
        {
            if (!double.IsFinite(given) || given < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(lambda), given, "lambda must be a finite number >= 0.");
            }

            if (gap is { } g && given >= g)
            {
                throw new ArgumentException(
                    $"lambda = {given} must be smaller than the smallest gap between distinct outcome levels in the group ({g}); " +
                    "otherwise a good process could lift an episode with a worse outcome to or above one with a better outcome.",
                    nameof(lambda));
            }

            weight = given;
        }
        else
        {
            weight = 0.5 * (gap ?? 1.0);
        }

        var statistics = ComponentStatistics(group);
        var processScores = new double[group.Count];
        var rewards = new double[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            var sum = 0.0;
            var count = 0;
            foreach (var turn in group[i].TurnProcess)
            {
                foreach (var (name, value) in turn)
                {
                    var (mean, std) = statistics[name];
                    var z = std <= ZeroVarianceTolerance ? 0 : (value - mean) / std;
                    sum += RewardTransforms.Sigmoid(z);
                    count++;
                }
            }

            processScores[i] = count == 0 ? 0.5 : sum / count;
            rewards[i] = group[i].Outcome + (weight * processScores[i]);
        }

        return new HybridResult(rewards, processScores, weight);
    }

    private static void Validate(IReadOnlyList<HybridEpisode> group)
    {
        for (var i = 0; i < group.Count; i++)
        {
            var episode = group[i] ?? throw new ArgumentException($"group[{i}] is null.", nameof(group));
            if (!double.IsFinite(episode.Outcome))
            {
                throw new ArgumentException($"group[{i}].Outcome must be a finite number, got {episode.Outcome}.", nameof(group));
            }

            var turns = episode.TurnProcess ?? throw new ArgumentException($"group[{i}].TurnProcess is null.", nameof(group));
            for (var t = 0; t < turns.Count; t++)
            {
                var turn = turns[t] ?? throw new ArgumentException($"group[{i}].TurnProcess[{t}] is null.", nameof(group));
                foreach (var (name, value) in turn)
                {
                    if (!double.IsFinite(value))
                    {
                        throw new ArgumentException($"group[{i}].TurnProcess[{t}]['{name}'] must be a finite number, got {value}.", nameof(group));
                    }
                }
            }
        }
    }

    /// <summary>The smallest difference between two distinct outcomes, or null when all are equal.</summary>
    private static double? SmallestOutcomeGap(IReadOnlyList<HybridEpisode> group)
    {
        var levels = group.Select(e => e.Outcome).Distinct().Order().ToArray();
        double? gap = null;
        for (var i = 1; i < levels.Length; i++)
        {
            var d = levels[i] - levels[i - 1];
            gap = gap is { } g ? Math.Min(g, d) : d;
        }

        return gap;
    }

    private static Dictionary<string, (double Mean, double Std)> ComponentStatistics(IReadOnlyList<HybridEpisode> group)
    {
        var values = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var episode in group)
        {
            foreach (var turn in episode.TurnProcess)
            {
                foreach (var (name, value) in turn)
                {
                    if (!values.TryGetValue(name, out var list))
                    {
                        values[name] = list = [];
                    }

                    list.Add(value);
                }
            }
        }

        return values.ToDictionary(kv => kv.Key, kv => MeanAndStd(kv.Value), StringComparer.Ordinal);
    }

    private static void RequireGroup(IReadOnlyList<double> rewards, int minimum)
    {
        RewardArguments.AllFinite(rewards);
        if (rewards.Count < minimum)
        {
            throw new ArgumentException($"The group must contain at least {minimum} episode(s), got a group of size {rewards.Count}.", nameof(rewards));
        }
    }

    /// <summary>Mean and population standard deviation, two-pass for accuracy.</summary>
    internal static (double Mean, double Std) MeanAndStd(IReadOnlyList<double> values)
    {
        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Count;
        var squares = 0.0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, Math.Sqrt(squares / values.Count));
    }
}
