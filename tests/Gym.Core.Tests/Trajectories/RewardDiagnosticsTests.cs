using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Trajectories.TrajectoryTestData;

namespace Gym.Core.Tests.Trajectories;

public sealed class RewardDiagnosticsTests
{
    private const double Tolerance = 1e-12;

    // --- building episodes directly ---------------------------------------------------------

    private static TurnRecord Turn(string action, params RewardTerm[] terms) => Turn(action, null, terms);

    private static TurnRecord Turn(string action, string? formatError, params RewardTerm[] terms)
    {
        var breakdown = new RewardBreakdown(terms);
        return new TurnRecord(0, action, [], [], breakdown.Total, breakdown, false, false, StopReason.None, formatError, StepInfo.Empty);
    }

    private static EpisodeRecord Episode(long index, bool success, params TurnRecord[] turns) =>
        Episode(index, success, EpisodeStatus.Completed, turns);

    private static EpisodeRecord Episode(long index, bool success, EpisodeStatus status, params TurnRecord[] turns)
    {
        var numbered = turns.Select((t, i) => t with { Turn = i }).ToArray();
        return new EpisodeRecord(
            index,
            "test/diag-v0",
            1000 + index,
            "scripted",
            status,
            status switch { EpisodeStatus.Failed => StopReason.Error, EpisodeStatus.Cancelled => StopReason.Cancelled, _ => StopReason.Answered },
            status == EpisodeStatus.Completed,
            false,
            success,
            numbered.Sum(t => t.Reward),
            [ChatMessage.User("q")],
            StepInfo.Empty,
            numbered);
    }

    private static RewardDiagnostics Diagnose(IEnumerable<EpisodeRecord> records) => RolloutSummary.Of(records).Diagnostics;

    private static string Chars(int count) => new('x', count);

    /// <summary>
    /// Four completed episodes, format weight 0.5 and an outcome "correct" weight 1:
    /// <code>
    /// ep success length format raw (value)  correct  total reward
    /// 0  1       1      1 (0.5)             1        1.5
    /// 1  0       2      3 (1.5)  two turns  0        1.5   (first turn malformed)
    /// 2  1       3      2 (1.0)             1        2.0
    /// 3  0       4      2 (1.0)             0        1.0
    /// </code>
    /// </summary>
    private static IReadOnlyList<EpisodeRecord> HandBuilt() =>
    [
        Episode(0, true, Turn(Chars(1), Process("format", 1, 0.5), Outcome("correct", 1))),
        Episode(1, false, Turn(Chars(1), "no <answer> tag", Process("format", 1, 0.5)), Turn(Chars(1), Process("format", 2, 0.5), Outcome("correct", 0))),
        Episode(2, true, Turn(Chars(3), Process("format", 2, 0.5), Outcome("correct", 1))),
        Episode(3, false, Turn(Chars(4), Process("format", 2, 0.5), Outcome("correct", 0))),
    ];

    // --- Pearson ----------------------------------------------------------------------------

    [Theory]
    [InlineData(new[] { 1.0, 2, 3 }, new[] { 2.0, 4, 6 }, 1.0)]
    [InlineData(new[] { 1.0, 2, 3 }, new[] { 3.0, 2, 1 }, -1.0)]
    // dx = dy' = [−1.5, −0.5, 0.5, 1.5] vs [−1.5, 0.5, −0.5, 1.5]: Σdxdy = 4, Σdx² = Σdy² = 5.
    [InlineData(new[] { 1.0, 2, 3, 4 }, new[] { 1.0, 3, 2, 4 }, 0.8)]
    // dx = [−1, 1, 0, 0], dy = [½, −½, ½, −½]: Σdxdy = −1, Σdx² = 2, Σdy² = 1 → −1/√2.
    [InlineData(new[] { 1.0, 3, 2, 2 }, new[] { 1.0, 0, 1, 0 }, -0.70710678118654752)]
    public void Pearson_matches_hand_computed_values(double[] x, double[] y, double expected) =>
        RewardDiagnostics.Pearson(x, y).Should().BeApproximately(expected, Tolerance);

    [Fact]
    public void Pearson_is_undefined_for_constant_series_and_fewer_than_two_points()
    {
        RewardDiagnostics.Pearson([1.0, 2, 3], [5.0, 5, 5]).Should().BeNull();
        RewardDiagnostics.Pearson([0.0, 0, 0], [1.0, 2, 3]).Should().BeNull();
        RewardDiagnostics.Pearson([1.0], [2.0]).Should().BeNull();
        RewardDiagnostics.Pearson([], []).Should().BeNull();
        // 0.1 + 0.2 and 0.3 differ only by rounding: the series is constant, not a signal.
        RewardDiagnostics.Pearson([0.1 + 0.2, 0.3, 0.3], [1.0, 0, 1]).Should().BeNull();
    }

    // --- the figures --------------------------------------------------------------------------

    [Fact]
    public void Component_correlations_means_and_weights_on_a_hand_built_run()
    {
        var d = Diagnose(HandBuilt());

        d.Episodes.Should().Be(4);
        d.SuccessRate.Should().Be(0.5);
        d.Components.Select(c => c.Name).Should().Equal("format", "correct");

        var format = d.Components[0];
        format.Kind.Should().Be(RewardKind.Process);
        format.Weight.Should().Be(0.5);
        format.WeightShare.Should().BeApproximately(0.5 / 1.5, Tolerance);
        format.MeanRaw.Should().BeApproximately(2, Tolerance);
        format.MeanValue.Should().BeApproximately(1, Tolerance);
        format.ValueRange.Should().BeApproximately(1, Tolerance);
        // Paid: format |values| [0.5, 1.5, 1, 1] mean 1, correct [1, 0, 1, 0] mean 0.5: not the weights' 1 : 2.
        format.PaidShare.Should().BeApproximately(1 / 1.5, Tolerance);
        // raw [1, 3, 2, 2] vs success [1, 0, 1, 0]: −1/√2; the values are raw × 0.5, and r is scale-free.
        format.RawSuccessCorrelation.Should().BeApproximately(-1 / Math.Sqrt(2), Tolerance);
        format.SuccessCorrelation.Should().BeApproximately(-1 / Math.Sqrt(2), Tolerance);
        format.Trend.Should().BeNull("four episodes are too few for a trend");

        var correct = d.Components[1];
        correct.Kind.Should().Be(RewardKind.Outcome);
        correct.Weight.Should().Be(1);
        correct.WeightShare.Should().BeApproximately(1 / 1.5, Tolerance);
        correct.PaidShare.Should().BeApproximately(0.5 / 1.5, Tolerance);
        correct.MeanRaw.Should().Be(0.5);
        correct.MeanValue.Should().Be(0.5);
        correct.RawSuccessCorrelation.Should().BeApproximately(1, Tolerance);
        correct.SuccessCorrelation.Should().BeApproximately(1, Tolerance);
    }

    [Fact]
    public void Length_correlations_process_share_and_format_rate_on_a_hand_built_run()
    {
        var d = Diagnose(HandBuilt());

        // length [1, 2, 3, 4] (mean 2.5) vs reward [1.5, 1.5, 2, 1] (mean 1.5):
        // Σdxdy = −0.5, Σdx² = 5, Σdy² = 0.5 → −0.5/√2.5.
        d.LengthRewardCorrelation.Should().BeApproximately(-0.5 / Math.Sqrt(2.5), Tolerance);
        // vs success [1, 0, 1, 0]: Σdxdy = −1, Σdy² = 1 → −1/√5.
        d.LengthSuccessCorrelation.Should().BeApproximately(-1 / Math.Sqrt(5), Tolerance);
        // positive process values [0.5, 0.5 + 1, 1, 1]; unsuccessful episodes 1 and 3 earned 2.5 of 4.
        d.UnsuccessfulProcessShare.Should().BeApproximately(0.625, Tolerance);
        // five turns, one malformed.
        d.FormatValidRate.Should().BeApproximately(0.8, Tolerance);
        d.SuccessTrend.Should().BeNull();
    }

    [Fact]
    public void Only_completed_episodes_with_turns_are_diagnosed()
    {
        var extra = new[]
        {
            Episode(10, false, EpisodeStatus.Failed, Turn(Chars(50), "bad", Process("format", 9, 0.5))),
            Episode(11, false, EpisodeStatus.Cancelled, Turn(Chars(50), Process("tool_call", 9, 0.5))),
            Episode(12, false, EpisodeStatus.Failed),
            Episode(13, false),
        };

        Diagnose(HandBuilt().Concat(extra)).Should().BeEquivalentTo(Diagnose(HandBuilt()), o => o.WithStrictOrdering());
    }

    [Fact]
    public void No_episodes_give_the_empty_diagnostics()
    {
        new RolloutSummaryBuilder().Build().Diagnostics.Should().BeSameAs(RewardDiagnostics.Empty);
        Diagnose([Episode(0, true, EpisodeStatus.Cancelled, Turn("a", Process("format", 1)))]).Should().BeSameAs(RewardDiagnostics.Empty);

        var empty = RewardDiagnostics.Empty;
        empty.Episodes.Should().Be(0);
        empty.Components.Should().BeEmpty();
        empty.UnsuccessfulProcessShare.Should().BeNull();
        empty.LengthRewardCorrelation.Should().BeNull();
        empty.LengthSuccessCorrelation.Should().BeNull();
        empty.FormatValidRate.Should().BeNull();
        empty.SuccessTrend.Should().BeNull();
        empty.Warnings.Should().BeEmpty();
    }

    [Fact]
    public void Correlations_with_success_are_undefined_when_every_episode_has_the_same_outcome()
    {
        var allSucceed = Enumerable.Range(0, 6)
            .Select(i => Episode(i, true, Turn(Chars(i + 1), Process("format", i), Outcome("correct", 1))))
            .ToList();

        var d = Diagnose(allSucceed);

        d.SuccessRate.Should().Be(1);
        d.Components.Should().AllSatisfy(c =>
        {
            c.SuccessCorrelation.Should().BeNull();
            c.RawSuccessCorrelation.Should().BeNull();
        });
        d.LengthSuccessCorrelation.Should().BeNull();
        d.LengthRewardCorrelation.Should().BeApproximately(1, Tolerance, "reward is format (= length − 1) plus a constant");
        d.UnsuccessfulProcessShare.Should().Be(0);
        d.Warnings.Should().BeEmpty("a perfect policy whose longer episodes earn more is not buying reward without success");
    }

    [Fact]
    public void Reward_that_grows_with_length_while_every_episode_fails_is_flagged()
    {
        var allFail = Enumerable.Range(0, 6)
            .Select(i => Episode(i, false, Turn(Chars(i + 1), Process("format", i), Outcome("correct", 0))))
            .ToList();

        var d = Diagnose(allFail);

        d.LengthSuccessCorrelation.Should().BeNull();
        d.Warnings.Should().Contain(w => w.Contains("reward grows with length but success does not", StringComparison.Ordinal)
            && w.Contains("n/a (no episode succeeded)", StringComparison.Ordinal));
    }

    [Fact]
    public void Weight_zero_components_keep_a_raw_correlation_but_pay_nothing_to_correlate()
    {
        var records = new[]
        {
            Episode(0, true, Turn("a", Process("metric", 1, 0))),
            Episode(1, false, Turn("a", Process("metric", 0, 0))),
        };

        var d = Diagnose(records);

        var metric = d.Components.Should().ContainSingle().Subject;
        metric.RawSuccessCorrelation.Should().BeApproximately(1, Tolerance);
        metric.SuccessCorrelation.Should().BeNull("its values are all 0");
        metric.WeightShare.Should().BeNull("every weight is 0");
        d.UnsuccessfulProcessShare.Should().BeNull("no positive process reward was paid");
        d.Warnings.Should().BeEmpty();
    }

    [Fact]
    public void Episodes_without_a_component_count_zero_for_it_and_late_components_are_padded()
    {
        var records = new[]
        {
            Episode(0, false, Turn("a", Outcome("correct", 0))),
            Episode(1, false, Turn("a", Outcome("correct", 0))),
            Episode(2, true, Turn("a", Process("bonus", 4), Outcome("correct", 1))),
            Episode(3, true, Turn("a", Outcome("correct", 1))),
        };

        var bonus = Diagnose(records).Components.Single(c => c.Name == "bonus");

        bonus.MeanRaw.Should().Be(1, "[0, 0, 4, 0]");
        // [0, 0, 4, 0] vs success [0, 0, 1, 1]: dx = [−1, −1, 3, −1], dy = [−½, −½, ½, ½]; Σdxdy = 2, Σdx² = 12, Σdy² = 1.
        bonus.RawSuccessCorrelation.Should().BeApproximately(2 / Math.Sqrt(12), Tolerance);
    }

    [Fact]
    public void Diagnostics_do_not_depend_on_the_order_episodes_arrive_in()
    {
        var records = GamedTrend(60).Concat(HandBuilt().Select(r => r with { Episode = r.Episode + 100 })).ToList();
        var expected = Diagnose(records);
        expected.SuccessTrend.Should().NotBeNull();

        foreach (var seed in new[] { 1, 2, 3 })
        {
            var shuffled = records.ToArray();
            new Random(seed).Shuffle(shuffled);
            Diagnose(shuffled).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        }
    }

    // --- warnings -----------------------------------------------------------------------------

    /// <summary>A tool_call bonus paid more the more the policy fails: 8 episodes, success alternating.</summary>
    private static List<EpisodeRecord> GamedToolCalls() =>
        [.. Enumerable.Range(0, 8).Select(i => Episode(i, i % 2 == 0, Turn("call", Process("tool_call", i % 2 == 0 ? 1 : 3, 0.2), Outcome("correct", i % 2 == 0 ? 1 : 0))))];

    /// <summary>The same bonus, paid more in the episodes that succeed.</summary>
    private static List<EpisodeRecord> HealthyToolCalls() =>
        [.. Enumerable.Range(0, 8).Select(i => Episode(i, i % 2 == 0, Turn("call", Process("tool_call", i % 2 == 0 ? 3 : 1, 0.2), Outcome("correct", i % 2 == 0 ? 1 : 0))))];

    [Fact]
    public void A_process_component_negatively_correlated_with_success_looks_gamed()
    {
        var d = Diagnose(GamedToolCalls());

        d.Components[0].SuccessCorrelation.Should().BeApproximately(-1, Tolerance);
        d.Warnings.Should().ContainSingle().Which.Should()
            .Contain("'tool_call'").And.Contain("looks gamed: negatively correlated with success").And.Contain("r = -1.00");

        Diagnose(HealthyToolCalls()).Warnings.Should().BeEmpty();
    }

    [Theory]
    [InlineData(-0.2, 50, false)] // t = 0.2·√48/√0.96 ≈ 1.41
    [InlineData(-0.3, 50, true)] // t ≈ 2.18
    [InlineData(-0.2, 100, true)] // t ≈ 2.02
    [InlineData(0.6, 8, false)] // t = 0.6·√6/0.8 ≈ 1.84
    [InlineData(1.0, 3, true)]
    [InlineData(-1.0, 2, false)]
    public void Correlation_warnings_need_a_significant_r(double r, int n, bool significant) =>
        RewardDiagnostics.IsSignificant(r, n).Should().Be(significant);

    /// <summary>
    /// Ten episodes, success [1×5, 0×5], tool_call raw [1, 1, 1, 1, 2, 1, 1, 1, 2, 2] (weight 0.2), repeated
    /// <paramref name="repeats"/> times: Σdxdy = −0.5, Σdx² = 2.1, Σdy² = 2.5 per ten, so r = −0.5/√5.25 ≈ −0.218.
    /// </summary>
    private static List<EpisodeRecord> WeaklyGamed(int repeats)
    {
        double[] raw = [1, 1, 1, 1, 2, 1, 1, 1, 2, 2];
        return [.. Enumerable.Range(0, 10 * repeats).Select(i => Episode(i, i % 10 < 5, Turn("call", Process("tool_call", raw[i % 10], 0.2), Outcome("correct", i % 10 < 5 ? 1 : 0))))];
    }

    [Fact]
    public void A_weak_negative_correlation_warns_only_over_enough_episodes()
    {
        var small = Diagnose(WeaklyGamed(1));
        small.Components[0].SuccessCorrelation.Should().BeApproximately(-0.5 / Math.Sqrt(5.25), Tolerance);
        small.Warnings.Should().BeEmpty("r ≈ −0.22 over ten episodes is noise (t ≈ 0.63)");

        var large = Diagnose(WeaklyGamed(10));
        large.Components[0].SuccessCorrelation.Should().BeApproximately(-0.5 / Math.Sqrt(5.25), 1e-9);
        large.Warnings.Should().ContainSingle().Which.Should().Contain("'tool_call'").And.Contain("looks gamed").And.Contain("r = -0.22 over 100 episodes");
    }

    [Fact]
    public void A_negatively_correlated_penalty_or_metric_does_not_look_gamed()
    {
        // A penalty (negative weight) fires in failed episodes: its raw value goes against success, the reward it pays goes with it.
        var penalty = Enumerable.Range(0, 8)
            .Select(i => Episode(i, i % 2 == 0, Turn("a", Process("invalid_call", i % 2 == 0 ? 0 : 1, -0.5), Outcome("correct", i % 2 == 0 ? 1 : 0))));
        var d = Diagnose(penalty);
        d.Components[0].RawSuccessCorrelation.Should().BeApproximately(-1, Tolerance);
        d.Components[0].SuccessCorrelation.Should().BeApproximately(1, Tolerance);
        d.Warnings.Should().BeEmpty();

        // A weight-0 metric pays nothing, so it cannot be gamed for reward.
        var metric = GamedToolCalls().Select(r => r with { Turns = [.. r.Turns.Select(t => Turn("call", [.. t.Breakdown.Terms.Select(term => term with { Weight = term.Kind == RewardKind.Process ? 0 : 1 })]))] });
        Diagnose(metric).Warnings.Should().BeEmpty();
    }

    /// <summary>
    /// <paramref name="count"/> episodes: in the first half success is 80% and a "format" process bonus raw 1,
    /// in the second success is 40% and the bonus raw 3; within each half the bonus is the same for every episode.
    /// </summary>
    private static List<EpisodeRecord> GamedTrend(int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var late = i >= count / 2;
            var success = late ? i % 5 < 2 : i % 5 < 4;
            return Episode(i, success, Turn("answer", Process("format", late ? 3 : 1, 0.1), Outcome("correct", success ? 1 : 0)));
        })];

    [Fact]
    public void Rising_process_reward_with_falling_success_warns()
    {
        var d = Diagnose(GamedTrend(60));

        d.SuccessTrend!.FirstHalf.Should().BeApproximately(0.8, Tolerance);
        d.SuccessTrend.SecondHalf.Should().BeApproximately(0.4, Tolerance);
        var format = d.Components.Single(c => c.Name == "format");
        format.Trend!.FirstHalf.Should().BeApproximately(0.1, Tolerance);
        format.Trend.SecondHalf.Should().BeApproximately(0.3, Tolerance);
        format.ValueRange.Should().BeApproximately(0.2, Tolerance);
        d.Warnings.Should().Contain(w => w.Contains("'format'") && w.Contains("high process reward with falling outcome") && w.Contains("80.0% → 40.0%"));
    }

    [Fact]
    public void The_trend_needs_forty_episodes_and_a_falling_success_rate()
    {
        var small = Diagnose(GamedTrend(RewardDiagnostics.TrendMinEpisodes - 1));
        small.SuccessTrend.Should().BeNull();
        small.Components.Should().AllSatisfy(c => c.Trend.Should().BeNull());
        small.Warnings.Should().NotContain(w => w.Contains("falling outcome"));

        Diagnose(GamedTrend(RewardDiagnostics.TrendMinEpisodes)).Warnings.Should().Contain(w => w.Contains("falling outcome"));

        // Healthy: the bonus rises as the policy learns and succeeds more (success 40% → 80%).
        var learning = Enumerable.Range(0, 60).Select(i =>
        {
            var late = i >= 30;
            var success = late ? i % 5 < 4 : i % 5 < 2;
            return Episode(i, success, Turn("answer", Process("format", late ? 3 : 1, 0.1), Outcome("correct", success ? 1 : 0)));
        });
        Diagnose(learning).Warnings.Should().BeEmpty();
    }

    /// <summary>
    /// Eight episodes of length 10..80 whose success [1, 0, 0, 1, 1, 0, 0, 1] is uncorrelated with length
    /// (Σ dlength·dsuccess = 0); a "verbosity" process reward pays length/100.
    /// </summary>
    private static List<EpisodeRecord> LengthRuns(double verbosityWeight)
    {
        bool[] success = [true, false, false, true, true, false, false, true];
        return [.. Enumerable.Range(0, 8).Select(i => Episode(
            i,
            success[i],
            Turn(Chars(10 * (i + 1)), Process("verbosity", (i + 1) / 10.0, verbosityWeight), Outcome("correct", success[i] ? 1 : 0, 0.1))))];
    }

    [Fact]
    public void Reward_growing_with_length_without_success_warns()
    {
        var d = Diagnose(LengthRuns(1));

        d.LengthSuccessCorrelation.Should().BeApproximately(0, Tolerance);
        d.LengthRewardCorrelation.Should().BeGreaterThan(0.9);
        d.Warnings.Should().ContainSingle().Which.Should()
            .StartWith("response length: reward grows with length but success does not").And.Contain("length/success r = 0.00");

        var healthy = Diagnose(LengthRuns(0));
        healthy.LengthRewardCorrelation.Should().BeApproximately(0, Tolerance, "reward is the outcome alone");
        healthy.Warnings.Should().BeEmpty();
    }

    [Fact]
    public void Most_process_reward_in_failed_episodes_warns_when_success_is_low()
    {
        // Success 25%; a flat step bonus of 1 per episode lands 75% in unsuccessful episodes.
        var gamed = Enumerable.Range(0, 8)
            .Select(i => Episode(i, i % 4 == 0, Turn("a", Process("step", 1), Outcome("correct", i % 4 == 0 ? 1 : 0))));
        var d = Diagnose(gamed);
        d.UnsuccessfulProcessShare.Should().BeApproximately(0.75, Tolerance);
        d.Warnings.Should().ContainSingle().Which.Should()
            .Contain("'step'").And.Contain("most process reward is earned in failed episodes").And.Contain("75.0% of positive process reward");

        // Same success rate, but the bonus goes mostly to the successes (3 each vs 0.5): share 1.5/4.5.
        var healthy = Enumerable.Range(0, 8)
            .Select(i => Episode(i, i % 4 == 0, Turn("a", Process("step", i % 4 == 0 ? 3 : 0.5), Outcome("correct", i % 4 == 0 ? 1 : 0))));
        var h = Diagnose(healthy);
        h.UnsuccessfulProcessShare.Should().BeApproximately(1.5 / 4.5, Tolerance);
        h.Warnings.Should().BeEmpty();

        // A flat bonus at 50% success: half the bonus in unsuccessful episodes is no sign of gaming.
        var even = Enumerable.Range(0, 8)
            .Select(i => Episode(i, i % 2 == 0, Turn("a", Process("step", 1), Outcome("correct", i % 2 == 0 ? 1 : 0))));
        Diagnose(even).Warnings.Should().BeEmpty();
    }

    [Fact]
    public void The_summary_carries_the_diagnostics_and_a_hand_made_summary_defaults_to_empty()
    {
        var builder = new RolloutSummaryBuilder();
        foreach (var record in HandBuilt())
        {
            builder.Add(record);
        }

        builder.Build().Diagnostics.Episodes.Should().Be(4);
        new RolloutSummary(0, 0, 0, 0, 0, 0, 0, 0, RewardStats.Empty, [], new Dictionary<string, int>(), [], ContextTokenStats.Empty, ContextTokenStats.Empty)
            .Diagnostics.Should().BeSameAs(RewardDiagnostics.Empty);
    }
}
