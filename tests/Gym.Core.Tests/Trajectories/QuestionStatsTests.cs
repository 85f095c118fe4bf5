using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Trajectories.TrajectoryTestData;

namespace Gym.Core.Tests.Trajectories;

public sealed class QuestionStatsTests
{
    private const double Tolerance = 1e-12;

    /// <summary>An episode that played question <paramref name="id"/> and scored <paramref name="em"/> / <paramref name="f1"/>.</summary>
    private static EpisodeRecord Played(long episode, string id, double em, double f1, StepInfo? tags = null)
    {
        var recorder = new EpisodeRecorder(episode, "test/qa-v0", seed: 1000 + episode, policyId: "scripted");
        var info = StepInfo.Empty.With("question_id", id).Merge(tags ?? StepInfo.Empty);
        recorder.Reset(new ResetResult([ChatMessage.User($"question {id}")], info));
        Step(recorder, [Process("format", 1, 0.1), Outcome("exact_match", em), Outcome("token_f1", f1, 0)], StopReason.Answered, success: em == 1);
        return recorder.Complete();
    }

    [Fact]
    public void A_question_played_many_times_weighs_as_much_as_one_played_once()
    {
        // q1 three times (2 right), q2 once (wrong): over episodes EM would be 2/4, over questions (2/3 + 0) / 2.
        var stats = Build(Played(0, "q1", 1, 1), Played(1, "q1", 1, 1), Played(2, "q1", 0, 0.5), Played(3, "q2", 0, 0.25))!;

        stats.All.Questions.Should().Be(2);
        stats.All.Episodes.Should().Be(4);
        stats.All.ExactMatch.Should().BeApproximately(((2.0 / 3) + 0) / 2, Tolerance);
        stats.All.TokenF1.Should().BeApproximately(((2.5 / 3) + 0.25) / 2, Tolerance);
        stats.All.SuccessRate.Should().BeApproximately(1.0 / 3, Tolerance);
        stats.Groups.Should().BeEmpty();
    }

    [Fact]
    public void Questions_are_grouped_by_data_source_type_and_level_in_that_order()
    {
        var nq = StepInfo.Empty.With("data_source", "nq").With("level", "easy");
        var hotpot = StepInfo.Empty.With("data_source", "hotpotqa").With("type", "bridge").With("level", "hard");
        var stats = Build(Played(0, "a", 1, 1, nq), Played(1, "b", 0, 0, hotpot), Played(2, "c", 1, 1, hotpot))!;

        stats.Groups.Select(g => $"{g.Field}={g.Value}:{g.Metrics.Questions}").Should().Equal(
            "data_source=hotpotqa:2", "data_source=nq:1", "type=bridge:2", "level=easy:1", "level=hard:2");
        stats.Groups.Single(g => g.Value == "hotpotqa").Metrics.ExactMatch.Should().BeApproximately(0.5, Tolerance);
        stats.Groups.Single(g => g.Value == "nq").Metrics.ExactMatch.Should().Be(1);
    }

    [Fact]
    public void Only_completed_episodes_with_a_question_id_count()
    {
        var failed = new EpisodeRecorder(5, "test/qa-v0", seed: 5, policyId: "scripted");
        failed.Reset(new ResetResult([ChatMessage.User("q")], StepInfo.Empty.With("question_id", "z")));

        var stats = Build(Played(0, "a", 1, 1), failed.Fail("boom"), Completed(7))!;

        stats.All.Questions.Should().Be(1);
        stats.All.Episodes.Should().Be(1);
        Build(Completed(0), Completed(1)).Should().BeNull("no episode names its question");
    }

    [Fact]
    public void The_dataset_item_id_names_a_question_too_and_a_run_without_the_metric_reports_none()
    {
        var recorder = new EpisodeRecorder(0, "test/qa-v0", seed: 1, policyId: "scripted");
        recorder.Reset(new ResetResult([ChatMessage.User("q")], StepInfo.Empty.With("item", 17)));
        Step(recorder, [Outcome("numeric_match", 1)], StopReason.Answered, success: true);

        var stats = Build(recorder.Complete())!;

        stats.All.Questions.Should().Be(1);
        stats.All.ExactMatch.Should().BeNull();
        stats.All.TokenF1.Should().BeNull();
        stats.All.SuccessRate.Should().Be(1);
    }

    [Fact]
    public void The_stats_do_not_depend_on_the_order_episodes_finish_in()
    {
        var records = Enumerable.Range(0, 40).Select(i => Played(i, $"q{i % 7}", i % 3 == 0 ? 1 : 0, (i % 5) / 7.0, StepInfo.Empty.With("type", i % 2 == 0 ? "x" : "y"))).ToList();

        var forward = Build([.. records]);
        var backward = Build([.. Enumerable.Reverse(records)]);

        backward.Should().BeEquivalentTo(forward, options => options.WithStrictOrdering());
        RolloutSummary.Of(records).Questions.Should().BeEquivalentTo(forward);
    }

    private static QuestionStats? Build(params EpisodeRecord[] records)
    {
        var builder = new QuestionStatsBuilder();
        foreach (var record in records)
        {
            builder.Add(record);
        }

        return builder.Build();
    }
}
