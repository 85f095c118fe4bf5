using FluentAssertions;
using Gym.Runtime.Rollouts;
using Xunit;

namespace Gym.Runtime.Tests;

public sealed class CurriculumScheduleTests
{
    private static CurriculumSchedule Schedule(double promoteAt = 0.75, int window = 4) =>
        new(new CurriculumPlan("difficulty", ["1", "2", "3"], promoteAt, window));

    [Fact]
    public void The_first_window_plays_level_zero_and_the_next_waits_for_it()
    {
        var schedule = Schedule();

        schedule.LevelFor(0).Should().Be(0);
        schedule.LevelFor(3).Should().Be(0);
        schedule.LevelFor(4).Should().BeNull("window 1 is decided only when window 0 has ended");
    }

    [Fact]
    public void Promotes_when_the_window_success_rate_reaches_the_threshold()
    {
        var schedule = Schedule();
        schedule.Record(0, true);
        schedule.Record(1, true);
        schedule.Record(2, false);
        schedule.LevelFor(4).Should().BeNull();
        schedule.Record(3, true);

        schedule.LevelFor(4).Should().Be(1);
        schedule.ValueOf(1).Should().Be("2");
        schedule.History.Should().Equal(new CurriculumStep(0, 0, 0.75, true));
    }

    [Fact]
    public void Stays_when_below_the_threshold_and_never_passes_the_last_level()
    {
        var schedule = Schedule(promoteAt: 0.5, window: 2);
        foreach (var episode in Enumerable.Range(0, 2))
        {
            schedule.Record(episode, false);
        }

        schedule.LevelFor(2).Should().Be(0);
        foreach (var episode in Enumerable.Range(2, 6))
        {
            schedule.Record(episode, true);
        }

        schedule.LevelFor(4).Should().Be(1);
        schedule.LevelFor(6).Should().Be(2);
        schedule.LevelFor(8).Should().Be(2, "the last level is a ceiling");
    }

    [Fact]
    public void The_same_outcomes_in_any_completion_order_give_the_same_levels()
    {
        var outcomes = Enumerable.Range(0, 12).Select(i => i % 3 != 0).ToArray();
        var inOrder = Schedule(promoteAt: 0.6, window: 3);
        var shuffled = Schedule(promoteAt: 0.6, window: 3);
        foreach (var episode in Enumerable.Range(0, 12))
        {
            inOrder.Record(episode, outcomes[episode]);
        }

        // Within each window the completion order is scrambled, as concurrent episodes finish.
        foreach (var episode in new[] { 2, 0, 1, 5, 3, 4, 8, 7, 6, 11, 9, 10 })
        {
            shuffled.Record(episode, outcomes[episode]);
        }

        shuffled.History.Should().Equal(inOrder.History);
    }

    [Theory]
    [InlineData(0.0, 4, "between 0 and 1")]
    [InlineData(1.0, 4, "between 0 and 1")]
    [InlineData(0.5, 0, "at least 1 episode")]
    public void Rejects_invalid_plans(double promoteAt, int window, string message)
    {
        var create = () => Schedule(promoteAt, window);
        create.Should().Throw<ArgumentException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void Rejects_a_single_level()
    {
        var create = () => new CurriculumSchedule(new CurriculumPlan("k", ["1"], 0.5, 2));
        create.Should().Throw<ArgumentException>().WithMessage("*at least two levels*");
    }
}
