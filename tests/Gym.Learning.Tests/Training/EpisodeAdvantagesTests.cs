using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Trajectories;
using Gym.Learning.Training;
using Xunit;

namespace Gym.Learning.Tests.Training;

public sealed class EpisodeAdvantagesTests
{
    [Fact]
    public void Group_relative_advantages_match_hand_values_and_drop_constant_groups()
    {
        double?[] rewards = [1, 0, 3, 0.2, 0, 1, 0.2, 1, 2, null];
        string[] groups = ["a", "a", "c", "b", "a", "a", "b", "c", "c", "a"];

        var advantages = EpisodeAdvantages.Compute(rewards, groups, AdvantageEstimator.GroupRelative, epsilon: 0);

        // a: 1, 0, 0, 1 -> mean 0.5, population std 0.5 -> ±1. c: 3, 1, 2 -> mean 2, std √(2/3).
        var c = 1 / Math.Sqrt(2.0 / 3);
        Check(advantages, [1.0, -1.0, c, null, -1.0, 1.0, null, -c, 0.0, null]);
    }

    [Fact]
    public void Leave_one_out_advantages_match_hand_values_and_need_two_episodes()
    {
        double?[] rewards = [3, 1, 2, 5, 4, 4];
        string[] groups = ["c", "c", "c", "alone", "flat", "flat"];

        var advantages = EpisodeAdvantages.Compute(rewards, groups, AdvantageEstimator.LeaveOneOut);

        // 3 - (1 + 2)/2 = 1.5, 1 - (3 + 2)/2 = -1.5, 2 - (3 + 1)/2 = 0.
        Check(advantages, [1.5, -1.5, 0.0, null, null, null]);
    }

    [Fact]
    public void Episodes_group_by_environment_and_seed_and_unfinished_ones_stay_out()
    {
        EpisodeRecord[] episodes =
        [
            Record("env-a", 1, 1), Record("env-a", 1, 0), Record("env-b", 1, 5), Record("env-b", 1, 7),
            Record("env-a", 1, 9, EpisodeStatus.Failed), Record("env-a", 2, 4),
        ];

        var advantages = EpisodeAdvantages.Compute(episodes, AdvantageEstimator.GroupRelative, epsilon: 0);

        Check(advantages, [1.0, -1.0, -1.0, 1.0, null, null]);
    }

    private static void Check(IReadOnlyList<double?> actual, double?[] expected)
    {
        actual.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i] is { } value)
            {
                actual[i].Should().NotBeNull($"episode {i} trains").And.BeApproximately(value, 1e-9);
            }
            else
            {
                actual[i].Should().BeNull($"episode {i} is left out");
            }
        }
    }

    private static EpisodeRecord Record(string environment, long seed, double reward, EpisodeStatus status = EpisodeStatus.Completed) =>
        new(0, environment, seed, "p", status, StopReason.MaxTurns, false, true, false, reward, [], StepInfo.Empty, []);
}
