using FluentAssertions;
using Gym.Core.Rewards;
using Gym.Environments.SearchQa.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class CalibrationAndRankTests
{
    [Theory]
    [InlineData(true, 1.0, 1.0)]
    [InlineData(true, 0.8, 0.96)]
    [InlineData(true, 0.0, 0.0)]
    [InlineData(false, 0.0, 0.0)]
    [InlineData(false, 0.3, -0.09)]
    [InlineData(false, 1.0, -1.0)]
    public void Brier_reward_matches_hand_values(bool correct, double confidence, double expected) =>
        Calibration.Brier(correct, confidence).Should().BeApproximately(expected, 1e-12);

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Brier_rejects_confidence_outside_the_unit_interval(double confidence)
    {
        var act = () => Calibration.Brier(true, confidence);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(confidence));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.73)]
    [InlineData(0.9)]
    [InlineData(1.0)]
    public void Expected_brier_reward_peaks_at_the_true_probability(double p)
    {
        const int steps = 1000;
        var best = -1;
        var bestValue = double.NegativeInfinity;
        for (var i = 0; i <= steps; i++)
        {
            var c = (double)i / steps;
            var expected = (p * Calibration.Brier(true, c)) + ((1 - p) * Calibration.Brier(false, c));
            if (expected > bestValue)
            {
                bestValue = expected;
                best = i;
            }
        }

        ((double)best / steps).Should().BeApproximately(p, 0.5 / steps, "a proper scoring rule rewards honest confidence");
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(7, 1.0 / 3)]
    [InlineData(0, 0.0)]
    [InlineData(-4, 0.0)]
    public void Rank_reward_is_the_dcg_discount(int rank, double expected) =>
        RankReward.ForRank(rank).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public void Rank_reward_falls_with_rank()
    {
        RankReward.ForRank(2).Should().BeApproximately(1 / Math.Log2(3), 1e-12);
        var rewards = Enumerable.Range(1, 50).Select(RankReward.ForRank).ToArray();
        rewards.Should().BeInDescendingOrder().And.OnlyContain(r => r > 0 && r <= 1);
    }
}
