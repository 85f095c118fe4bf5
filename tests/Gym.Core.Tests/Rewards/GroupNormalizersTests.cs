using FluentAssertions;
using Gym.Core.Rewards.Normalization;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class GroupNormalizersTests
{
    private static bool Close(double a, double b) => Math.Abs(a - b) < 1e-9;

    [Fact]
    public void Group_relative_matches_a_hand_case()
    {
        // mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
        var result = GroupNormalizers.GroupRelative([1, 2, 3, 4], epsilon: 0);
        var std = Math.Sqrt(1.25);

        result.ZeroVariance.Should().BeFalse();
        result.Advantages.ShouldBeClose(-1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std);
    }

    [Fact]
    public void Group_relative_divides_by_std_plus_epsilon()
    {
        var result = GroupNormalizers.GroupRelative([0, 2], epsilon: 0.5);

        result.Advantages.ShouldBeClose(-1 / 1.5, 1 / 1.5);
    }

    [Fact]
    public void Group_relative_binary_advantages_follow_the_success_rate()
    {
        for (var size = 2; size <= 16; size++)
        {
            for (var successes = 1; successes < size; successes++)
            {
                var rewards = Enumerable.Range(0, size).Select(i => i < successes ? 1.0 : 0.0).ToArray();
                var p = (double)successes / size;

                var exact = GroupNormalizers.GroupRelative(rewards, epsilon: 0).Advantages;
                var smoothed = GroupNormalizers.GroupRelative(rewards).Advantages;

                exact.Sum().Should().BeApproximately(0, 1e-9);
                exact.Take(successes).Should().OnlyContain(a => Math.Abs(a - Math.Sqrt((1 - p) / p)) < 1e-9);
                exact.Skip(successes).Should().OnlyContain(a => Math.Abs(a + Math.Sqrt(p / (1 - p))) < 1e-9);
                smoothed.Should().Equal(exact, (a, b) => Math.Abs(a - b) < 1e-4, "the default ε = 1e-6 barely moves them");
                smoothed.Sum().Should().BeApproximately(0, 1e-9);
            }
        }
    }

    [Theory]
    [InlineData(new[] { 0.7, 0.7, 0.7 })]
    [InlineData(new[] { 1.0 })]
    [InlineData(new[] { 0.0, 0.0 })]
    public void Zero_variance_groups_are_flagged_with_zero_advantages(double[] rewards)
    {
        var result = GroupNormalizers.GroupRelative(rewards);

        result.ZeroVariance.Should().BeTrue();
        result.Advantages.Should().HaveCount(rewards.Length).And.OnlyContain(a => a == 0);
        if (rewards.Length >= 2)
        {
            var loo = GroupNormalizers.LeaveOneOut(rewards);
            loo.ZeroVariance.Should().BeTrue();
            loo.Advantages.Should().OnlyContain(a => a == 0);
        }
    }

    [Fact]
    public void Leave_one_out_matches_hand_cases()
    {
        // 2 − (4 + 9)/2, 4 − (2 + 9)/2, 9 − (2 + 4)/2
        GroupNormalizers.LeaveOneOut([2, 4, 9]).Advantages.ShouldBeClose(-4.5, -1.5, 6);
        GroupNormalizers.LeaveOneOut([1, 0, 0, 0]).Advantages.ShouldBeClose(1, -1.0 / 3, -1.0 / 3, -1.0 / 3);
        GroupNormalizers.LeaveOneOut([1, 0, 0, 0]).ZeroVariance.Should().BeFalse();
    }

    [Fact]
    public void Leave_one_out_is_the_scaled_centered_reward()
    {
        double[] rewards = [0.3, -1.2, 4.5, 0, 2.25];
        var mean = rewards.Average();
        var g = rewards.Length;

        GroupNormalizers.LeaveOneOut(rewards).Advantages.Should().Equal(rewards.Select(r => g / (g - 1.0) * (r - mean)), Close);
    }

    [Fact]
    public void Leave_one_out_needs_two_episodes()
    {
        var act = () => GroupNormalizers.LeaveOneOut([1.0]);

        act.Should().Throw<ArgumentException>().WithMessage("*size 1*");
    }

    [Fact]
    public void Normalizers_reject_bad_input()
    {
        var actions = new Action[]
        {
            () => GroupNormalizers.GroupRelative([]),
            () => GroupNormalizers.GroupRelative([1, double.NaN]),
            () => GroupNormalizers.GroupRelative([1, 2], epsilon: -1),
            () => GroupNormalizers.GroupRelative(null!),
            () => GroupNormalizers.LeaveOneOut([1, double.PositiveInfinity]),
            () => GroupNormalizers.Hybrid([]),
            () => GroupNormalizers.Hybrid([new HybridEpisode(double.NaN, [])]),
            () => GroupNormalizers.Hybrid([new HybridEpisode(1, [Turn(("f", double.NaN))])]),
            () => GroupNormalizers.Hybrid([new HybridEpisode(1, [])], lambda: -0.1),
        };

        foreach (var action in actions)
        {
            action.Should().Throw<ArgumentException>();
        }
    }

    private static Dictionary<string, double> Turn(params (string Name, double Value)[] components) =>
        components.ToDictionary(c => c.Name, c => c.Value);

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Hybrid_matches_a_hand_case()
    {
        // "fmt" values over the group: 1, 1, 0 → mean 2/3, population std √2/3, so z = +1/√2 and −√2.
        HybridEpisode[] group =
        [
            new(1, [Turn(("fmt", 1)), Turn(("fmt", 1))]),
            new(0, [Turn(("fmt", 0))]),
            new(0, []),
        ];

        var result = GroupNormalizers.Hybrid(group);

        result.Lambda.Should().Be(0.5, "half the gap between outcome levels 0 and 1");
        result.ProcessScores.ShouldBeClose(Sigmoid(1 / Math.Sqrt(2)), Sigmoid(-Math.Sqrt(2)), 0.5);
        result.Rewards.ShouldBeClose(1 + (0.5 * Sigmoid(1 / Math.Sqrt(2))), 0.5 * Sigmoid(-Math.Sqrt(2)), 0.25);
    }

    [Fact]
    public void Hybrid_normalizes_each_component_on_its_own_scale()
    {
        // "a" spans 0..100 and "b" 0.01..0.02; after z-scoring each episode is +1 on one and −1 on the other.
        HybridEpisode[] group =
        [
            new(0, [Turn(("a", 100), ("b", 0.01))]),
            new(0, [Turn(("a", 0), ("b", 0.02))]),
        ];

        var result = GroupNormalizers.Hybrid(group);

        result.ProcessScores.ShouldBeClose(0.5, 0.5);
        result.Lambda.Should().Be(0.5, "one outcome level counts as a gap of 1");
    }

    [Fact]
    public void Hybrid_gives_a_component_without_spread_a_neutral_score()
    {
        HybridEpisode[] group =
        [
            new(1, [Turn(("fmt", 1)), Turn(("fmt", 1))]),
            new(0, [Turn(("fmt", 1))]),
        ];

        GroupNormalizers.Hybrid(group).ProcessScores.ShouldBeClose(0.5, 0.5);
    }

    [Fact]
    public void Hybrid_lambda_defaults_to_half_the_smallest_outcome_gap()
    {
        HybridEpisode[] group = [new(0, []), new(0.5, []), new(1, []), new(1, [])];

        GroupNormalizers.Hybrid(group).Lambda.Should().Be(0.25);
        GroupNormalizers.Hybrid(group, lambda: 0.1).Lambda.Should().Be(0.1);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.7)]
    public void Hybrid_rejects_lambda_at_or_above_the_outcome_gap(double lambda)
    {
        HybridEpisode[] group = [new(0, []), new(0.5, []), new(1, [])];

        var act = () => GroupNormalizers.Hybrid(group, lambda);

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(lambda)).WithMessage("*smaller than the smallest gap*0.5*");
        GroupNormalizers.Hybrid(group, 0.49).Lambda.Should().Be(0.49);
    }

    [Fact]
    public void Hybrid_accepts_any_lambda_when_all_outcomes_are_equal()
    {
        HybridEpisode[] group = [new(1, [Turn(("f", 0))]), new(1, [Turn(("f", 1))])];

        GroupNormalizers.Hybrid(group, lambda: 3).Rewards.ShouldBeClose(1 + (3 * Sigmoid(-1)), 1 + (3 * Sigmoid(1)));
    }

    [Fact]
    public void Hybrid_ranks_every_success_above_every_failure()
    {
        var random = new Random(99);
        string[] components = ["format", "tool", "retrieval"];
        for (var trial = 0; trial < 500; trial++)
        {
            var group = Enumerable.Range(0, random.Next(2, 9)).Select(_ => new HybridEpisode(
                random.Next(2),
                [.. Enumerable.Range(0, random.Next(6)).Select(_ => (IReadOnlyDictionary<string, double>)components
                    .Where(_ => random.Next(3) > 0)
                    .ToDictionary(c => c, _ => (random.NextDouble() * 20) - 10))])).ToArray();
            double? lambda = trial % 2 == 0 ? null : random.NextDouble() * 0.999;

            var result = GroupNormalizers.Hybrid(group, lambda);

            var successes = result.Rewards.Where((_, i) => group[i].Outcome == 1).ToArray();
            var failures = result.Rewards.Where((_, i) => group[i].Outcome == 0).ToArray();
            if (successes.Length > 0 && failures.Length > 0)
            {
                successes.Min().Should().BeGreaterThan(failures.Max(), "trial {0}", trial);
            }

            result.ProcessScores.Should().OnlyContain(p => p > 0 && p < 1);
        }
    }

    [Fact]
    public void Running_z_score_matches_a_hand_case()
    {
        var running = new RunningZScore();
        foreach (var value in new[] { 1.0, 2, 3, 4 })
        {
            running.Observe(value);
        }

        running.Count.Should().Be(4);
        running.Mean.Should().BeApproximately(2.5, 1e-15);
        running.StandardDeviation.Should().BeApproximately(Math.Sqrt(1.25), 1e-15);
        running.Normalize(4, epsilon: 0).Should().BeApproximately(1.5 / Math.Sqrt(1.25), 1e-12);
        running.Normalize(4).Should().BeApproximately(1.5 / (Math.Sqrt(1.25) + 1e-8), 1e-12);
        running.Count.Should().Be(4, "normalizing does not observe");
    }

    [Fact]
    public void Running_z_score_stays_accurate_on_a_long_offset_stream()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 100_000).Select(_ => 1e9 + random.NextDouble()).ToArray();
        var running = new RunningZScore();
        foreach (var value in values)
        {
            running.Observe(value);
        }

        // Reference statistics from the exact offsets v − 1e9 (Sterbenz: the subtraction is exact). A
        // naive Σx² − (Σx)² would lose the variance of 1/12 entirely at x ≈ 1e9, where ulp(x²) ≈ 128.
        var offsets = values.Select(v => v - 1e9).ToArray();
        var offsetMean = offsets.Average();
        var std = Math.Sqrt(offsets.Select(o => (o - offsetMean) * (o - offsetMean)).Average());
        running.Mean.Should().BeApproximately(1e9 + offsetMean, 1e-4, "about 1e-13 relative: double precision at 1e9");
        running.StandardDeviation.Should().BeApproximately(std, 1e-6);
        running.StandardDeviation.Should().BeApproximately(Math.Sqrt(1.0 / 12), 1e-2, "uniform(0, 1) noise");
    }

    [Fact]
    public void Running_z_score_edge_cases()
    {
        var running = new RunningZScore();
        running.StandardDeviation.Should().Be(0);
        var early = () => running.Normalize(1);
        early.Should().Throw<InvalidOperationException>();

        running.Observe(3);
        running.Observe(3);
        running.Normalize(3, epsilon: 0).Should().Be(0);
        running.Normalize(5, epsilon: 0).Should().Be(0, "no spread and no ε: nothing to scale by");

        var nan = () => running.Observe(double.NaN);
        nan.Should().Throw<ArgumentException>();
    }
}
