using FluentAssertions;
using Gym.Core.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class AssignmentTests
{
    [Fact]
    public void Solves_a_hand_case()
    {
        // Row-wise greedy takes (0,0) = 9 and ends with 9 + 5 + 1 = 15; the optimum is 8 + 7 + 1 = 16.
        var weights = new double[,]
        {
            { 9, 8, 1 },
            { 7, 5, 1 },
            { 6, 1, 1 },
        };

        var assignment = Assignment.Maximize(weights);

        Total(weights, assignment).Should().Be(16);
        assignment.Should().Equal(1, 0, 2);
    }

    [Fact]
    public void Handles_rectangular_and_empty_matrices()
    {
        var wide = new double[,] { { 1, 5, 3 } };
        Assignment.Maximize(wide).Should().Equal(1);

        var tall = new double[,] { { 1 }, { 5 }, { 3 } };
        Assignment.Maximize(tall).Should().Equal(-1, 0, -1);

        Assignment.Maximize(new double[0, 0]).Should().BeEmpty();
        Assignment.Maximize(new double[0, 3]).Should().BeEmpty();
        Assignment.Maximize(new double[2, 0]).Should().Equal(-1, -1);
    }

    [Fact]
    public void Assigns_even_when_all_weights_are_negative()
    {
        var weights = new double[,] { { -1, -10 }, { -2, -30 } };

        var assignment = Assignment.Maximize(weights);

        // −10 − 2 = −12 beats −1 − 30 = −31: an assignment is always complete, never empty.
        assignment.Should().Equal(1, 0);
    }

    [Fact]
    public void Matches_brute_force_on_random_matrices()
    {
        var random = new Random(12345);
        for (var trial = 0; trial < 400; trial++)
        {
            var rows = random.Next(1, 7);
            var columns = random.Next(1, 7);
            var weights = new double[rows, columns];
            var integers = trial % 2 == 0; // integer weights make ties, which the solver must also get right
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    weights[r, c] = integers ? random.Next(-3, 6) : (random.NextDouble() * 20) - 5;
                }
            }

            var assignment = Assignment.Maximize(weights);

            assignment.Should().HaveCount(rows);
            assignment.Where(c => c >= 0).Should().OnlyHaveUniqueItems().And.OnlyContain(c => c < columns);
            assignment.Count(c => c >= 0).Should().Be(Math.Min(rows, columns));
            Total(weights, assignment).Should().BeApproximately(BruteForce(weights), 1e-9, "trial {0} ({1}×{2})", trial, rows, columns);
        }
    }

    [Fact]
    public void Survives_huge_weights()
    {
        var weights = new double[,] { { 1e300, -1e300 }, { -1e300, 1e300 } };

        Assignment.Maximize(weights).Should().Equal(0, 1);
    }

    [Fact]
    public void Rejects_non_finite_weights()
    {
        var act = () => Assignment.Maximize(new double[,] { { 1, double.NaN } });

        act.Should().Throw<ArgumentException>().WithMessage("weights[0, 1]*");
    }

    private static double Total(double[,] weights, int[] assignment) =>
        assignment.Select((c, r) => c >= 0 ? weights[r, c] : 0).Sum();

    /// <summary>The best sum over every way of pairing min(rows, columns) rows with distinct columns.</summary>
    private static double BruteForce(double[,] weights)
    {
        var rows = weights.GetLength(0);
        var columns = weights.GetLength(1);
        var needed = Math.Min(rows, columns);
        var used = new bool[columns];
        var best = double.NegativeInfinity;

        void Search(int row, int assigned, double sum)
        {
            if (row == rows)
            {
                if (assigned == needed)
                {
                    best = Math.Max(best, sum);
                }

                return;
            }

            if (rows - row - 1 >= needed - assigned)
            {
                Search(row + 1, assigned, sum); // leave this row out
            }

            for (var c = 0; c < columns; c++)
            {
                if (!used[c] && assigned < needed)
                {
                    used[c] = true;
                    Search(row + 1, assigned + 1, sum + weights[row, c]);
                    used[c] = false;
                }
            }
        }

        Search(0, 0, 0);
        return best;
    }
}
