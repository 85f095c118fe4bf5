using Gym.Core.Rewards.Normalization;
using Gym.Core.Trajectories;

namespace Gym.Learning.Training;

/// <summary>How an episode's advantage is computed from the rewards of its group.</summary>
public enum AdvantageEstimator
{
    /// <summary>GRPO's <c>(R − mean) / (std + ε)</c> within the group (<see cref="GroupNormalizers.GroupRelative"/>).</summary>
    GroupRelative,

    /// <summary>RLOO's <c>R_i − mean_{j≠i} R_j</c> (<see cref="GroupNormalizers.LeaveOneOut"/>); needs groups of two or more.</summary>
    LeaveOneOut,
}

/// <summary>
/// Per-episode advantages from groups of episodes that played the same task (same environment and seed),
/// as group-based policy gradients use them: every token of every turn of an episode shares its
/// episode's advantage.
/// </summary>
public static class EpisodeAdvantages
{
    /// <summary>
    /// The advantage of each episode of <paramref name="episodes"/>, grouped by environment and seed, from
    /// each episode's <see cref="EpisodeRecord.TotalReward"/>. Null for an episode left out of training:
    /// one that did not complete (failed or cancelled: its reward is not comparable), one in a group whose
    /// rewards are all equal (no signal; SPEC.md drops such groups), and, for leave-one-out, one alone in
    /// its group.
    /// </summary>
    public static IReadOnlyList<double?> Compute(IReadOnlyList<EpisodeRecord> episodes, AdvantageEstimator estimator, double epsilon = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var rewards = new double?[episodes.Count];
        var groups = new string[episodes.Count];
        for (var i = 0; i < episodes.Count; i++)
        {
            var episode = episodes[i] ?? throw new ArgumentException($"episode {i} is null", nameof(episodes));
            rewards[i] = episode.Status == EpisodeStatus.Completed ? episode.TotalReward : null;

            // The seed alone is not the task: two environments may share seeds.
            groups[i] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{episode.EnvironmentId}\n{episode.Seed}");
        }

        return Compute(rewards, groups, estimator, epsilon);
    }

    /// <summary>
    /// The advantage of each reward within its group (episodes with equal <paramref name="groups"/> keys),
    /// in input order; a null reward stays out of its group and gets null. Null also for every member of a
    /// zero-variance group and, for leave-one-out, of a group of one.
    /// </summary>
    public static IReadOnlyList<double?> Compute(IReadOnlyList<double?> rewards, IReadOnlyList<string> groups, AdvantageEstimator estimator, double epsilon = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(groups);
        if (rewards.Count != groups.Count)
        {
            throw new ArgumentException($"{groups.Count} group keys for {rewards.Count} rewards", nameof(groups));
        }

        var advantages = new double?[rewards.Count];
        var members = Enumerable.Range(0, rewards.Count)
            .Where(i => rewards[i] is not null)
            .GroupBy(i => groups[i], StringComparer.Ordinal);
        foreach (var group in members)
        {
            var indices = group.ToArray();
            if (estimator == AdvantageEstimator.LeaveOneOut && indices.Length < 2)
            {
                continue;
            }

            var values = indices.Select(i => rewards[i]!.Value).ToArray();
            var result = estimator switch
            {
                AdvantageEstimator.GroupRelative => GroupNormalizers.GroupRelative(values, epsilon),
                AdvantageEstimator.LeaveOneOut => GroupNormalizers.LeaveOneOut(values),
                _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown advantage estimator"),
            };
            if (result.ZeroVariance)
            {
                continue;
            }

            for (var k = 0; k < indices.Length; k++)
            {
                advantages[indices[k]] = result.Advantages[k];
            }
        }

        return advantages;
    }
}
