using FluentAssertions;
using Gym.Core.Rewards.Credit;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class CreditAssignmentTests
{
    private static bool Close(double a, double b) => Math.Abs(a - b) < 1e-12;

    [Fact]
    public void Discounted_returns_match_hand_values()
    {
        // G2 = 2, G1 = 0 + 0.9·2, G0 = 1 + 0.9·1.8
        CreditAssignment.DiscountedReturns([1, 0, 2], 0.9).ShouldBeClose(2.62, 1.8, 2);
        // with bootstrap 5: G2 = 2 + 4.5, G1 = 0.9·6.5, G0 = 1 + 0.9·5.85
        CreditAssignment.DiscountedReturns([1, 0, 2], 0.9, bootstrap: 5).ShouldBeClose(6.265, 5.85, 6.5);
        CreditAssignment.DiscountedReturns([1, 1, 1], 1).ShouldBeClose(3, 2, 1);
        CreditAssignment.DiscountedReturns([1, 1, 1], 0).ShouldBeClose(1, 1, 1);
        CreditAssignment.DiscountedReturns([], 0.9, bootstrap: 3).Should().BeEmpty();
    }

    [Fact]
    public void Delayed_outcome_discounts_the_final_reward_back_to_each_turn()
    {
        CreditAssignment.DelayedOutcome(3, 2, 0.5).ShouldBeClose(0.5, 1, 2);
        CreditAssignment.DelayedOutcome(3, 2, 0).ShouldBeClose(0, 0, 2);
        CreditAssignment.DelayedOutcome(2, -1, 1).ShouldBeClose(-1, -1);
        CreditAssignment.DelayedOutcome(0, 1, 0.9).Should().BeEmpty();
    }

    [Fact]
    public void Turn_gae_matches_hand_values_for_a_terminated_episode()
    {
        // γ = 0.9, λ = 0.8, γλ = 0.72
        // δ2 = 1 + 0 − 0.8 = 0.2;  δ1 = 0 + 0.9·0.8 − 0.6 = 0.12;  δ0 = 0 + 0.9·0.6 − 0.5 = 0.04
        // A2 = 0.2;  A1 = 0.12 + 0.72·0.2 = 0.264;  A0 = 0.04 + 0.72·0.264 = 0.23008
        var result = CreditAssignment.TurnGae([0, 0, 1], [0.5, 0.6, 0.8], 0.9, 0.8, terminated: true);

        result.Advantages.ShouldBeClose(0.23008, 0.264, 0.2);
        result.Returns.ShouldBeClose(0.73008, 0.864, 1.0);
    }

    [Fact]
    public void Turn_gae_for_a_truncated_episode_adds_exactly_the_discounted_bootstrap()
    {
        double[] rewards = [0, 0, 1];
        double[] values = [0.5, 0.6, 0.8];
        const double gamma = 0.9, lambda = 0.8, bootstrap = 0.5;

        var terminated = CreditAssignment.TurnGae(rewards, values, gamma, lambda, terminated: true, bootstrapValue: bootstrap);
        var truncated = CreditAssignment.TurnGae(rewards, values, gamma, lambda, terminated: false, bootstrapValue: bootstrap);

        // δ2 = 1 + 0.9·0.5 − 0.8 = 0.65;  A1 = 0.12 + 0.72·0.65 = 0.588;  A0 = 0.04 + 0.72·0.588 = 0.46336
        truncated.Advantages.ShouldBeClose(0.46336, 0.588, 0.65);
        terminated.Advantages.Should().Equal(
            CreditAssignment.TurnGae(rewards, values, gamma, lambda, terminated: true).Advantages, Close, "a terminated episode ignores the bootstrap");
        for (var t = 0; t < rewards.Length; t++)
        {
            var term = Math.Pow(gamma * lambda, rewards.Length - 1 - t) * gamma * bootstrap;
            (truncated.Advantages[t] - terminated.Advantages[t]).Should().BeApproximately(term, 1e-12);
            (truncated.Returns[t] - terminated.Returns[t]).Should().BeApproximately(term, 1e-12);
        }
    }

    [Fact]
    public void Turn_gae_reduces_to_td_errors_and_monte_carlo_at_the_extremes()
    {
        double[] rewards = [0.3, -1, 0, 2];
        double[] values = [0.1, 0.4, -0.2, 1.5];
        const double gamma = 0.95;

        var td = CreditAssignment.TurnGae(rewards, values, gamma, 0, terminated: false, bootstrapValue: 0.7);
        double[] nextValues = [0.4, -0.2, 1.5, 0.7];
        td.Advantages.Should().Equal(rewards.Select((r, t) => r + (gamma * nextValues[t]) - values[t]), Close);

        var monteCarlo = CreditAssignment.TurnGae(rewards, values, gamma, 1, terminated: false, bootstrapValue: 0.7);
        monteCarlo.Returns.Should().Equal(CreditAssignment.DiscountedReturns(rewards, gamma, bootstrap: 0.7), Close);
    }

    [Fact]
    public void Token_rewards_sit_on_each_turns_last_token()
    {
        CreditAssignment.TokenRewards([3, 1, 2], [0.5, -1, 2]).Should().Equal(0, 0, 0.5, -1, 0, 2);
        CreditAssignment.TokenRewards([], []).Should().BeEmpty();
    }

    [Fact]
    public void Token_rewards_reject_a_turn_without_tokens()
    {
        var act = () => CreditAssignment.TokenRewards([2, 0, 1], [1, 1, 1]);

        act.Should().Throw<ArgumentException>().WithParameterName("turnTokenCounts").WithMessage("turn 1 has 0 generated tokens*");
    }

    [Fact]
    public void Credit_functions_reject_bad_input()
    {
        var actions = new Action[]
        {
            () => CreditAssignment.DiscountedReturns([1], 1.5),
            () => CreditAssignment.DiscountedReturns([1], double.NaN),
            () => CreditAssignment.DiscountedReturns([double.NaN], 0.9),
            () => CreditAssignment.DiscountedReturns([1], 0.9, double.PositiveInfinity),
            () => CreditAssignment.DelayedOutcome(-1, 1, 0.9),
            () => CreditAssignment.DelayedOutcome(2, 1, -0.1),
            () => CreditAssignment.TurnGae([1, 2], [0], 0.9, 0.9, true),
            () => CreditAssignment.TurnGae([1], [0], 0.9, 1.1, true),
            () => CreditAssignment.TurnGae([1], [double.NaN], 0.9, 0.9, true),
            () => CreditAssignment.TokenRewards([1, 1], [1]),
            () => CreditAssignment.TokenRewards([1], [double.NaN]),
        };

        foreach (var action in actions)
        {
            action.Should().Throw<ArgumentException>();
        }
    }
}
