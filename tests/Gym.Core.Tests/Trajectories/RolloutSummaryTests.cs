using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Trajectories.TrajectoryTestData;

namespace Gym.Core.Tests.Trajectories;

public sealed class RolloutSummaryTests
{
    private const double Tolerance = 1e-12;

    private static readonly string[] Errors = ["g", "f", "f", "e", "d", "d", "d", "c", "b", "a", "a"];

    /// <summary>
    /// Six episodes covering every status:
    /// 0 completed, success, 2 turns: format 0.1 + 0.1, numeric_match 1 (reward 1.2);
    /// 1 completed, no success, truncated after 1 turn: format 0 (reward 0);
    /// 2 failed "boom" after 1 turn: format 0.1 (reward 0.1);
    /// 3 failed "boom" at reset (no turns);
    /// 4 cancelled after 1 turn: tool_call 0.5 (reward 0.5);
    /// 5 failed "other error" at reset (no turns).
    /// </summary>
    private static IReadOnlyList<EpisodeRecord> HandBuilt()
    {
        var e0 = Start(0);
        Step(e0, [Process("format", 1, 0.1)]);
        Step(e0, [Process("format", 1, 0.1), Outcome("numeric_match", 1)], StopReason.Answered, success: true);

        var e1 = Start(1);
        Step(e1, [Process("format", 0, 0.1)], StopReason.MaxTurns);

        var e2 = Start(2);
        Step(e2, [Process("format", 1, 0.1)]);

        var e4 = Start(4);
        Step(e4, [Process("tool_call", 1, 0.5)]);

        return
        [
            e0.Complete(),
            e1.Complete(),
            e2.Fail("boom"),
            Start(3).Fail("boom"),
            e4.Cancel(),
            Start(5).Fail("other error"),
        ];
    }

    [Fact]
    public void Counts_rates_and_means_on_a_hand_built_rollout()
    {
        var summary = RolloutSummary.Of(HandBuilt());

        summary.Episodes.Should().Be(6);
        summary.Completed.Should().Be(2);
        summary.Failed.Should().Be(3);
        summary.Cancelled.Should().Be(1);
        summary.SuccessRate.Should().Be(0.5);
        summary.TotalSteps.Should().Be(5);
        summary.MeanTurns.Should().BeApproximately(5.0 / 6, Tolerance);

        // Reward is over the four played episodes: [1.2, 0, 0.1, 0.5].
        summary.MeanReward.Should().BeApproximately(0.45, Tolerance);
        summary.Reward.Mean.Should().Be(summary.MeanReward);
        summary.Reward.P50.Should().BeApproximately(0.1, Tolerance);
        summary.Reward.P90.Should().BeApproximately(1.2, Tolerance);
        summary.Reward.Min.Should().Be(0);
        summary.Reward.Max.Should().BeApproximately(1.2, Tolerance);
    }

    [Fact]
    public void Components_count_zero_for_played_episodes_that_lack_them()
    {
        var summary = RolloutSummary.Of(HandBuilt());

        summary.Components.Select(c => c.Name).Should().Equal("format", "numeric_match", "tool_call");

        var format = summary.Components[0];
        format.Kind.Should().Be(RewardKind.Process);
        // [0.2, 0, 0.1, 0 (episode 4 has turns but no format)]
        format.Mean.Should().BeApproximately(0.075, Tolerance);
        format.P50.Should().Be(0);
        format.P90.Should().BeApproximately(0.2, Tolerance);
        format.Min.Should().Be(0);
        format.Max.Should().BeApproximately(0.2, Tolerance);

        var numeric = summary.Components[1];
        numeric.Kind.Should().Be(RewardKind.Outcome);
        numeric.Should().BeEquivalentTo(new ComponentStats("numeric_match", RewardKind.Outcome, 0.25, 0, 1, 0, 1));

        summary.Components[2].Should().BeEquivalentTo(new ComponentStats("tool_call", RewardKind.Process, 0.125, 0, 0.5, 0, 0.5));

        // Reward and components share a population, so the means add up.
        summary.Components.Sum(c => c.Mean).Should().BeApproximately(summary.MeanReward, Tolerance);
    }

    [Fact]
    public void Stop_reasons_are_snake_case_and_sorted()
    {
        var summary = RolloutSummary.Of(HandBuilt());

        summary.StopReasons.Should().Equal(new Dictionary<string, int>
        {
            ["answered"] = 1,
            ["max_turns"] = 1,
            ["error"] = 3,
            ["cancelled"] = 1,
        });
        summary.StopReasons.Keys.Should().Equal("answered", "cancelled", "error", "max_turns");
    }

    [Fact]
    public void Failure_messages_are_the_top_five_by_count_then_text()
    {
        RolloutSummary.Of(HandBuilt()).FailureMessages.Should().Equal(new FailureCount("boom", 2), new FailureCount("other error", 1));

        var failures = Errors
            .Select((error, i) => Start(i).Fail(error));
        RolloutSummary.Of(failures).FailureMessages.Should().Equal(
            new FailureCount("d", 3),
            new FailureCount("a", 2),
            new FailureCount("f", 2),
            new FailureCount("b", 1),
            new FailureCount("c", 1));
    }

    [Fact]
    public void The_summary_does_not_depend_on_the_order_episodes_are_added()
    {
        var records = HandBuilt().Concat(CompletedRange(20).Select(r => r with { Episode = r.Episode + 6 })).ToList();
        var expected = RolloutSummary.Of(records);

        foreach (var seed in new[] { 1, 2, 3 })
        {
            var shuffled = records.ToArray();
            new Random(seed).Shuffle(shuffled);
            var summary = RolloutSummary.Of(shuffled);
            summary.Should().BeEquivalentTo(expected, options => options.WithStrictOrdering());
            summary.MeanReward.Should().Be(expected.MeanReward, "sums run over sorted values, so even rounding is the same");
        }
    }

    [Fact]
    public void The_builder_streams_and_can_be_built_more_than_once()
    {
        var builder = new RolloutSummaryBuilder();
        builder.Build().Should().BeEquivalentTo(new RolloutSummary(0, 0, 0, 0, 0, 0, 0, 0, RewardStats.Empty, [], new Dictionary<string, int>(), [], ContextTokenStats.Empty, ContextTokenStats.Empty));

        foreach (var record in HandBuilt())
        {
            builder.Add(record);
        }

        builder.Count.Should().Be(6);
        builder.Build().Should().BeEquivalentTo(RolloutSummary.Of(HandBuilt()));
        builder.Add(Completed(6));
        builder.Build().Episodes.Should().Be(7);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 50, 2)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 90, 9)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 50, 5)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 91, 10)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 100, 10)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0, 1)]
    [InlineData(new[] { 1.0, 2, 3 }, 50, 2)]
    [InlineData(new[] { 7.0 }, 90, 7)]
    public void Percentiles_are_nearest_rank(double[] sorted, int percentile, double expected) =>
        RolloutSummaryBuilder.NearestRank(sorted, percentile).Should().Be(expected);
}
