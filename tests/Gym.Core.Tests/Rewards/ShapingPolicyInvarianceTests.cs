using FluentAssertions;
using Gym.Core.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

/// <summary>
/// Ng, Harada and Russell (1999): adding F(s, s') = γΦ(s') − Φ(s) to every reward leaves the optimal
/// policy unchanged. Checked by value iteration on a small deterministic MDP, together with a
/// counter-example showing that a bonus of the same size which is not potential-based does change it.
/// </summary>
public sealed class ShapingPolicyInvarianceTests
{
    private const double Gamma = 0.9;
    private const int Terminal = 4;

    // A 5-state chain 0-1-2-3-4 with actions Left, Stay, Right; state 4 is terminal (reached by Right
    // from 3, paying +10). Staying in state 0 pays +1 per step (a lazy option worth 1/(1−γ) = 10); every
    // other move costs −1. The optimal policy is mixed: Stay at 0, Left at 1, Right at 2 and 3.
    private static readonly string[] ActionNames = ["Left", "Stay", "Right"];

    private static (int Next, double Reward) Step(int state, int action)
    {
        var next = action switch
        {
            0 => Math.Max(state - 1, 0),
            1 => state,
            _ => state + 1,
        };
        var reward = next == Terminal ? 10 : state == 0 && action == 1 ? 1 : -1;
        return (next, reward);
    }

    private static (double[] Values, int[] Policy, double Margin) Solve(Func<int, int, int, double> bonus)
    {
        var values = new double[Terminal + 1];
        for (var iteration = 0; iteration < 10_000; iteration++)
        {
            var change = 0.0;
            for (var s = 0; s < Terminal; s++)
            {
                var best = Enumerable.Range(0, ActionNames.Length).Max(a => Q(values, s, a, bonus));
                change = Math.Max(change, Math.Abs(best - values[s]));
                values[s] = best;
            }

            if (change < 1e-13)
            {
                break;
            }
        }

        var policy = new int[Terminal];
        var margin = double.PositiveInfinity;
        for (var s = 0; s < Terminal; s++)
        {
            var q = Enumerable.Range(0, ActionNames.Length).Select(a => Q(values, s, a, bonus)).ToArray();
            policy[s] = Array.IndexOf(q, q.Max());
            margin = Math.Min(margin, q.Max() - q.Where((_, a) => a != policy[s]).Max());
        }

        return (values, policy, margin);
    }

    private static double Q(double[] values, int state, int action, Func<int, int, int, double> bonus)
    {
        var (next, reward) = Step(state, action);
        // The terminal state's value is 0 by definition; it is never updated above.
        return reward + bonus(state, action, next) + (Gamma * values[next]);
    }

    private static double[] RandomPotential(Random random)
    {
        var phi = new double[Terminal + 1];
        for (var s = 0; s < Terminal; s++)
        {
            phi[s] = (random.NextDouble() * 40) - 20;
        }

        phi[Terminal] = 0; // terminal potential 0, as the theorem requires for episodic tasks
        return phi;
    }

    private static string[] Names(int[] policy) => [.. policy.Select(a => ActionNames[a])];

    [Fact]
    public void The_unshaped_chain_has_the_hand_computed_optimum()
    {
        var (values, policy, margin) = Solve((_, _, _) => 0);

        Names(policy).Should().Equal("Stay", "Left", "Right", "Right");
        values.ShouldBeClose(10, 8, 8, 10, 0);
        margin.Should().BeGreaterThan(1, "no near-ties, so rounding cannot flip a greedy choice");
    }

    [Fact]
    public void Potential_based_shaping_leaves_the_optimal_policy_unchanged()
    {
        var (baseValues, basePolicy, _) = Solve((_, _, _) => 0);
        var random = new Random(20240611);
        var potentials = new List<double[]> { new double[] { 7, -3, 12, 5, 0 } };
        for (var i = 0; i < 50; i++)
        {
            potentials.Add(RandomPotential(random));
        }

        foreach (var phi in potentials)
        {
            var (values, policy, _) = Solve((s, _, next) => RewardTransforms.Shaping(Gamma, phi[s], phi[next]));

            policy.Should().Equal(basePolicy, "shaping with Φ = [{0}] must not change the optimal policy", string.Join(", ", phi));
            // Stronger: the shaped optimal values are the original ones shifted by −Φ(s).
            for (var s = 0; s < Terminal; s++)
            {
                values[s].Should().BeApproximately(baseValues[s] - phi[s], 1e-8);
            }
        }
    }

    [Fact]
    public void A_bonus_of_the_same_size_that_is_not_potential_based_can_change_the_policy()
    {
        double[] phi = [7, -3, 12, 5, 0];
        var (_, basePolicy, _) = Solve((_, _, _) => 0);

        // Paying Φ(s') for arriving in s' (the usual mistake: "reward progress") is not a potential
        // difference: it rewards loitering in high-potential states forever.
        var (_, policy, _) = Solve((_, _, next) => phi[next]);

        policy.Should().NotEqual(basePolicy);
        Names(policy)[2].Should().Be("Stay", "staying in state 2 now earns −1 + 12 per step");
    }
}
