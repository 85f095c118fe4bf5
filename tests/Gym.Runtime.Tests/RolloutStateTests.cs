using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;

namespace Gym.Runtime.Tests;

public sealed class RolloutStateTests
{
    private static RolloutPlan Plan(int episodes, int concurrency) =>
        new(TestEnvironments.Scripted, TestEnvironments.NoParameters, episodes, concurrency, Seed: 11);

    private static EpisodeRecord Record(long episode, EpisodeStatus status)
    {
        var recorder = new EpisodeRecorder(episode, TestEnvironments.Scripted, 0, "test");
        return status switch
        {
            EpisodeStatus.Completed => recorder.Complete(),
            EpisodeStatus.Failed => recorder.Fail("boom"),
            _ => recorder.Cancel(),
        };
    }

    [Fact]
    public void A_resumed_plan_starts_at_its_first_episode_and_ends_at_the_same_last_one()
    {
        var state = new RolloutState(Plan(5, 8) with { FirstEpisode = 3 });

        state.TakeEpisodesToStart().Select(s => s.Episode).Should().Equal(3L, 4L);
        state.OnEnded(Record(3, EpisodeStatus.Completed));
        state.OnWritten(Record(3, EpisodeStatus.Completed), null);
        state.OnEnded(Record(4, EpisodeStatus.Completed));
        state.OnWritten(Record(4, EpisodeStatus.Completed), null);
        state.IsDone.Should().BeTrue();

        new RolloutState(Plan(5, 8) with { FirstEpisode = 5 }).IsDone.Should().BeTrue("a file that is already whole has nothing left to play");
        var past = () => (Plan(5, 8) with { FirstEpisode = 6 }).Validate();
        past.Should().Throw<ArgumentException>().WithMessage("*between 0 and the episode count 5 (got 6)*");
    }

    [Fact]
    public void Bookkeeping_writes_played_episodes_shows_the_observer_what_ends_and_reports_a_sink_error()
    {
        var state = new RolloutState(Plan(3, 3));
        var seen = new Observer();
        state.TakeEpisodesToStart().Should().HaveCount(3);

        EpisodeBookkeeping.Ended(state, seen, Record(0, EpisodeStatus.Completed)).Should().BeTrue("a played episode goes to the sink");
        seen.Episodes.Should().BeEmpty("the observer sees an episode once it is written");
        EpisodeBookkeeping.Written(state, seen, new EpisodeWritten("r", Record(0, EpisodeStatus.Completed), null)).Should().BeTrue();
        EpisodeBookkeeping.Ended(state, seen, Record(1, EpisodeStatus.Cancelled)).Should().BeFalse("a cancelled episode is not written");
        EpisodeBookkeeping.Written(state, seen, new EpisodeWritten("r", Record(2, EpisodeStatus.Failed), "disk full")).Should().BeFalse("a sink error cancels the run");

        seen.Episodes.Should().Equal(0L, 1L);
        var completion = state.Completion("r");
        completion.Should().BeEquivalentTo(new RolloutCompleted("r", 1, 0, 1, "disk full"));
        state.IsDone.Should().BeTrue();
    }

    private sealed class Observer : IRolloutObserver
    {
        public List<long> Episodes { get; } = [];

        public void OnEpisode(EpisodeRecord record) => Episodes.Add(record.Episode);
    }

    [Fact]
    public void Starts_at_most_concurrency_episodes_and_keeps_them_live_until_written()
    {
        var state = new RolloutState(Plan(5, 2));

        state.TakeEpisodesToStart().Select(s => s.Episode).Should().Equal(0L, 1L);
        state.TakeEpisodesToStart().Should().BeEmpty();

        state.OnEnded(Record(0, EpisodeStatus.Completed)).Should().BeTrue("completed episodes are written");
        state.Live.Should().BeEquivalentTo([0L, 1L], "an episode stays live until the sink has written it");
        state.TakeEpisodesToStart().Should().BeEmpty();

        state.OnWritten(Record(0, EpisodeStatus.Completed), null);
        state.Finished.Should().Be(1);
        state.TakeEpisodesToStart().Select(s => s.Episode).Should().Equal(2L);
        state.IsDone.Should().BeFalse();
    }

    [Fact]
    public void Counts_failed_and_cancelled_episodes_apart()
    {
        var state = new RolloutState(Plan(3, 3));
        state.TakeEpisodesToStart().Should().HaveCount(3);

        state.OnEnded(Record(0, EpisodeStatus.Failed)).Should().BeTrue("failed episodes are written with their partial turns");
        state.OnWritten(Record(0, EpisodeStatus.Failed), null);
        state.OnEnded(Record(1, EpisodeStatus.Cancelled)).Should().BeFalse("cancelled episodes are not written");
        state.OnEnded(Record(2, EpisodeStatus.Completed)).Should().BeTrue();
        state.OnWritten(Record(2, EpisodeStatus.Completed), null);

        (state.Finished, state.Failed, state.Cancelled).Should().Be((1, 1, 1));
        state.Live.Should().BeEmpty();
        state.IsDone.Should().BeTrue();
    }

    [Fact]
    public void Is_done_once_every_episode_is_written()
    {
        var state = new RolloutState(Plan(2, 8));
        foreach (var episode in state.TakeEpisodesToStart().Select(s => s.Episode))
        {
            state.IsDone.Should().BeFalse();
            state.OnEnded(Record(episode, EpisodeStatus.Completed));
            state.OnWritten(Record(episode, EpisodeStatus.Completed), null);
        }

        state.IsDone.Should().BeTrue();
        state.TakeEpisodesToStart().Should().BeEmpty();
    }

    [Fact]
    public void An_empty_plan_is_done_at_once()
    {
        var state = new RolloutState(Plan(0, 4));

        state.TakeEpisodesToStart().Should().BeEmpty();
        state.IsDone.Should().BeTrue();
    }

    [Fact]
    public void Cancelling_stops_new_starts_and_waits_for_live_episodes()
    {
        var state = new RolloutState(Plan(10, 2));
        state.TakeEpisodesToStart();

        state.Cancel();

        state.IsCancelling.Should().BeTrue();
        state.IsDone.Should().BeFalse("two episodes are still live");
        state.OnEnded(Record(0, EpisodeStatus.Completed)).Should().BeTrue("an episode that finished is still written");
        state.OnWritten(Record(0, EpisodeStatus.Completed), null);
        state.TakeEpisodesToStart().Should().BeEmpty();
        state.IsDone.Should().BeFalse();
        state.OnEnded(Record(1, EpisodeStatus.Cancelled));
        state.IsDone.Should().BeTrue();
        (state.Finished, state.Cancelled).Should().Be((1, 1));
    }

    [Fact]
    public void A_sink_error_is_kept_and_stops_the_run()
    {
        var state = new RolloutState(Plan(10, 2));
        state.TakeEpisodesToStart();

        state.OnWritten(Record(0, EpisodeStatus.Completed), "disk full");
        state.OnWritten(Record(1, EpisodeStatus.Completed), "second error");

        state.SinkError.Should().Be("disk full", "the first error is the one reported");
        state.Finished.Should().Be(0);
        state.TakeEpisodesToStart().Should().BeEmpty();
        state.IsDone.Should().BeTrue();
    }

    [Fact]
    public void Group_members_share_a_seed()
    {
        var plan = Plan(8, 2) with { GroupSize = 4 };

        plan.SeedOf(0).Should().Be(plan.SeedOf(3));
        plan.SeedOf(4).Should().Be(plan.SeedOf(7));
        plan.SeedOf(3).Should().NotBe(plan.SeedOf(4));
    }

    [Theory]
    [InlineData(-1, 1, 1, "episodes")]
    [InlineData(1, 0, 1, "concurrency")]
    [InlineData(1, 1, 0, "group size")]
    public void Invalid_plans_name_the_field(int episodes, int concurrency, int groupSize, string field)
    {
        var plan = Plan(episodes, concurrency) with { GroupSize = groupSize };

        plan.Invoking(p => p.Validate()).Should().Throw<ArgumentException>().WithMessage($"{field}*");
    }

    [Fact]
    public void A_curriculum_holds_the_next_window_until_the_previous_one_has_ended_and_sets_its_level()
    {
        var plan = Plan(6, 8) with { Curriculum = new CurriculumPlan("difficulty", ["1", "2"], 0.5, 2) };
        var state = new RolloutState(plan);

        var first = state.TakeEpisodesToStart();
        first.Select(s => (s.Episode, s.CurriculumLevel)).Should().Equal((0L, (int?)0), (1L, (int?)0));
        first[0].Parameters["difficulty"].Should().Be("1");

        state.OnEnded(Success(1));
        state.OnWritten(Success(1), null);
        state.TakeEpisodesToStart().Should().BeEmpty("window 1 waits for episode 0");

        state.OnEnded(Success(0));
        state.OnWritten(Success(0), null);
        var second = state.TakeEpisodesToStart();
        second.Select(s => s.CurriculumLevel).Should().Equal(1, 1);
        second[0].Parameters["difficulty"].Should().Be("2");
    }

    private static EpisodeRecord Success(long episode) => Record(episode, EpisodeStatus.Completed) with { Success = true };
}
