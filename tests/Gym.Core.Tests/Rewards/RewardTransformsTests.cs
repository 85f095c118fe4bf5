using FluentAssertions;
using Gym.Core.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class RewardTransformsTests
{
    [Theory]
    [InlineData(0.5, 0.5, 0.5)]
    [InlineData(0.4, 0.5, 0.0)]
    [InlineData(0.9, 0.5, 0.9)]
    [InlineData(-1.0, -2.0, -1.0)]
    public void Gate_passes_values_at_or_above_the_threshold(double value, double threshold, double expected) =>
        RewardTransforms.Gate(value, threshold).Should().Be(expected);

    [Fact]
    public void Sequential_is_zero_when_any_child_is_zero_else_the_last_child()
    {
        RewardTransforms.Sequential([]).Should().Be(0);
        RewardTransforms.Sequential([0.3]).Should().Be(0.3);
        RewardTransforms.Sequential([1, 0.7]).Should().Be(0.7);
        RewardTransforms.Sequential([1, 0, 0.7]).Should().Be(0);
        RewardTransforms.Sequential([0.2, 0.5, 0]).Should().Be(0);
        RewardTransforms.Sequential([-1, 2]).Should().Be(2);
    }

    [Fact]
    public void Clip_clamps_and_checks_its_bounds()
    {
        RewardTransforms.Clip(5, 0, 1).Should().Be(1);
        RewardTransforms.Clip(-5, 0, 1).Should().Be(0);
        RewardTransforms.Clip(0.5, 0, 1).Should().Be(0.5);
        RewardTransforms.Clip(7, double.NegativeInfinity, double.PositiveInfinity).Should().Be(7);
        RewardTransforms.Clip(2, 2, 2).Should().Be(2);

        var inverted = () => RewardTransforms.Clip(0.5, 1, 0);
        inverted.Should().Throw<ArgumentException>().WithMessage("*lo <= hi*");
    }

    [Fact]
    public void Par_is_a_centered_sigmoid_of_the_margin()
    {
        RewardTransforms.Par(3.7, 3.7).Should().Be(0.5);
        RewardTransforms.Par(2, 1).Should().BeApproximately(1 / (1 + Math.Exp(-1)), 1e-15);
        RewardTransforms.Par(1, 2).Should().BeApproximately(1 / (1 + Math.Exp(1)), 1e-15);
        RewardTransforms.Par(1e6, 0).Should().Be(1);
        RewardTransforms.Par(-1e6, 0).Should().Be(0);
    }

    [Fact]
    public void Lsc_is_the_log_of_par_and_stays_accurate_in_the_tails()
    {
        RewardTransforms.Lsc(0, 0).Should().BeApproximately(-Math.Log(2), 1e-15);
        foreach (var x in new[] { -5.0, -1, -0.25, 0.25, 1, 5 })
        {
            RewardTransforms.Lsc(x, 0).Should().BeApproximately(Math.Log(RewardTransforms.Par(x, 0)), 1e-14);
        }

        // log σ(40) = −log(1 + e^−40) ≈ −e^−40; naive log(1 + y) would round to 0.
        var tail = RewardTransforms.Lsc(40, 0);
        tail.Should().BeNegative();
        (tail / -Math.Exp(-40)).Should().BeApproximately(1, 1e-12);
        RewardTransforms.Lsc(-1000, 0).Should().Be(-1000, "log σ(x) ≈ x far left; exp(1000) must not overflow");
        RewardTransforms.Lsc(1000, 0).Should().BeInRange(-1e-300, 0);
        RewardTransforms.Lsc(-40, 0).Should().BeApproximately(-40, 1e-12);
    }

    [Fact]
    public void Summed_lsc_is_the_log_probability_of_beating_every_reference()
    {
        var sum = RewardTransforms.Lsc(2, 1) + RewardTransforms.Lsc(0.5, 1.5) + RewardTransforms.Lsc(3, 0);
        var product = RewardTransforms.Par(2, 1) * RewardTransforms.Par(0.5, 1.5) * RewardTransforms.Par(3, 0);

        sum.Should().BeApproximately(Math.Log(product), 1e-14);
    }

    [Fact]
    public void Sigmoid_is_stable_and_symmetric()
    {
        RewardTransforms.Sigmoid(0).Should().Be(0.5);
        RewardTransforms.Sigmoid(1000).Should().Be(1);
        RewardTransforms.Sigmoid(-1000).Should().Be(0);
        RewardTransforms.Sigmoid(double.PositiveInfinity).Should().Be(1);
        RewardTransforms.Sigmoid(double.NegativeInfinity).Should().Be(0);
        (RewardTransforms.Sigmoid(-40) / Math.Exp(-40)).Should().BeApproximately(1, 1e-12, "the left tail keeps relative accuracy");
        foreach (var x in new[] { 0.1, 1, 3, 10 })
        {
            (RewardTransforms.Sigmoid(x) + RewardTransforms.Sigmoid(-x)).Should().BeApproximately(1, 1e-15);
        }
    }

    [Fact]
    public void Shaping_is_discounted_potential_difference()
    {
        RewardTransforms.Shaping(0.9, 2, 3).Should().BeApproximately(0.7, 1e-15);
        RewardTransforms.Shaping(1, 4, 4).Should().Be(0);
        RewardTransforms.Shaping(0.5, 1, 0).Should().Be(-1, "entering a terminal state (potential 0) pays back the potential");
    }

    [Fact]
    public void Rejects_invalid_arguments()
    {
        var actions = new Action[]
        {
            () => RewardTransforms.Gate(double.NaN, 0),
            () => RewardTransforms.Gate(1, double.PositiveInfinity),
            () => RewardTransforms.Sequential([1, double.NaN]),
            () => RewardTransforms.Sequential(null!),
            () => RewardTransforms.Clip(double.NaN, 0, 1),
            () => RewardTransforms.Clip(0, double.NaN, 1),
            () => RewardTransforms.Par(double.PositiveInfinity, 0),
            () => RewardTransforms.Lsc(0, double.NaN),
            () => RewardTransforms.Sigmoid(double.NaN),
            () => RewardTransforms.Shaping(1.1, 0, 0),
            () => RewardTransforms.Shaping(-0.1, 0, 0),
            () => RewardTransforms.Shaping(0.9, double.NaN, 0),
        };

        foreach (var action in actions)
        {
            action.Should().Throw<ArgumentException>();
        }
    }
}
