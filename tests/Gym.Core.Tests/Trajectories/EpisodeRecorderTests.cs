using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Core.Tests.Trajectories;

public sealed class EpisodeRecorderTests
{
    private static readonly IReadOnlyList<ChatMessage> Prompt = [ChatMessage.System("rules"), ChatMessage.User("task")];

    private static StepResult Step(double raw, IReadOnlyList<ChatMessage> observation, bool terminated = false, bool truncated = false, bool success = false)
    {
        var breakdown = new RewardBreakdown([new RewardTerm("r", RewardKind.Process, raw, 1)]);
        var reason = terminated ? StopReason.Answered : truncated ? StopReason.MaxTurns : StopReason.None;
        var info = terminated || truncated ? StepInfo.Empty.With(StepInfo.IsSuccess, success) : StepInfo.Empty;
        return new StepResult(observation, breakdown.Total, breakdown, terminated, truncated, reason, info, []);
    }

    private static EpisodeRecorder Started()
    {
        var recorder = new EpisodeRecorder(3, "a/b-v0", 99, "policy");
        recorder.Reset(new ResetResult(Prompt, StepInfo.Empty.With("seed", 99)));
        return recorder;
    }

    [Fact]
    public void The_context_starts_as_the_reset_observation()
    {
        var recorder = Started();

        recorder.Context.Should().Equal(Prompt);
        recorder.TurnCount.Should().Be(0);
        recorder.IsDone.Should().BeFalse();
    }

    [Fact]
    public void The_context_grows_with_each_assistant_action_and_its_observation()
    {
        var recorder = Started();

        recorder.Step("<tool_call>a</tool_call>", Step(0.1, [ChatMessage.Tool("t", "1"), ChatMessage.Tool("t", "2")]));
        recorder.Step(new AgentAction("<think>x</think>", [5, 6], [-1f, -2f]), Step(-0.2, [ChatMessage.User("Invalid action: ...")]));

        recorder.Context.Should().Equal(
            ChatMessage.System("rules"),
            ChatMessage.User("task"),
            ChatMessage.Assistant("<tool_call>a</tool_call>"),
            ChatMessage.Tool("t", "1"),
            ChatMessage.Tool("t", "2"),
            ChatMessage.Assistant("<think>x</think>"),
            ChatMessage.User("Invalid action: ..."));
        recorder.TurnCount.Should().Be(2);
        recorder.IsDone.Should().BeFalse();
    }

    [Fact]
    public void Complete_records_every_turn_the_total_and_success()
    {
        var recorder = Started();
        var action = new AgentAction("<answer>1</answer>", [1], [-0.5f]);
        recorder.Step("call", Step(0.1, [ChatMessage.Tool("t", "1")]));
        recorder.Step(action, Step(1, [], terminated: true, success: true));

        recorder.IsDone.Should().BeTrue();
        var record = recorder.Complete();

        record.Status.Should().Be(EpisodeStatus.Completed);
        record.StopReason.Should().Be(StopReason.Answered);
        record.Terminated.Should().BeTrue();
        record.Truncated.Should().BeFalse();
        record.Success.Should().BeTrue();
        record.TotalReward.Should().BeApproximately(1.1, 1e-12);
        record.Turns.Select(t => t.Turn).Should().Equal(0, 1);
        record.Turns[1].Action.Should().BeSameAs(action, "token ids and log-probs travel untouched");
        record.Prompt.Should().Equal(Prompt);
        record.ResetInfo.Get("seed", 0).Should().Be(99);
        (record.Episode, record.EnvironmentId, record.Seed, record.PolicyId).Should().Be((3L, "a/b-v0", 99L, "policy"));
        record.Error.Should().BeNull();
        record.ComponentTotals().Should().ContainSingle().Which.Should().Be(KeyValuePair.Create("r", 0.1 + 1.0));
    }

    [Fact]
    public void A_truncated_episode_is_completed_without_success()
    {
        var recorder = Started();
        recorder.Step("x", Step(-1, [ChatMessage.User("bad")], truncated: true));

        var record = recorder.Complete();

        record.StopReason.Should().Be(StopReason.MaxTurns);
        record.Truncated.Should().BeTrue();
        record.Terminated.Should().BeFalse();
        record.Success.Should().BeFalse();
    }

    [Fact]
    public void Fail_keeps_the_partial_turns_and_records_the_error()
    {
        var recorder = Started();
        recorder.Step("a", Step(0.5, [ChatMessage.Tool("t", "1")]));
        recorder.Step("b", Step(0.25, [ChatMessage.Tool("t", "2")]));

        var record = recorder.Fail("policy crashed: boom");

        record.Status.Should().Be(EpisodeStatus.Failed);
        record.StopReason.Should().Be(StopReason.Error);
        record.Error.Should().Be("policy crashed: boom");
        record.Turns.Should().HaveCount(2);
        record.Turns.Select(t => t.Action.Text).Should().Equal("a", "b");
        record.TotalReward.Should().Be(0.75);
        record.Terminated.Should().BeFalse();
        record.Truncated.Should().BeFalse();
        record.Success.Should().BeFalse();
    }

    [Fact]
    public void Fail_after_a_successful_last_step_does_not_report_success()
    {
        var recorder = Started();
        recorder.Step("<answer>1</answer>", Step(1, [], terminated: true, success: true));

        var record = recorder.Fail("sink crashed");

        record.Success.Should().BeFalse("only completed episodes can succeed");
        record.StopReason.Should().Be(StopReason.Error);
        record.Turns.Should().ContainSingle();
    }

    [Fact]
    public void Cancel_keeps_the_partial_turns_and_marks_the_episode_cancelled()
    {
        var recorder = Started();
        recorder.Step("a", Step(0.5, [ChatMessage.Tool("t", "1")]));

        var record = recorder.Cancel();

        record.Status.Should().Be(EpisodeStatus.Cancelled);
        record.StopReason.Should().Be(StopReason.Cancelled);
        record.Error.Should().BeNull();
        record.Turns.Should().ContainSingle().Which.Action.Text.Should().Be("a");
        record.TotalReward.Should().Be(0.5);
        record.Success.Should().BeFalse();
    }

    [Fact]
    public void Cancel_before_any_step_gives_an_empty_cancelled_record()
    {
        var record = Started().Cancel(new EpisodeTimings(1, 0, 1));

        record.Turns.Should().BeEmpty();
        record.StopReason.Should().Be(StopReason.Cancelled);
        record.TotalReward.Should().Be(0);
        record.Timings.Should().Be(new EpisodeTimings(1, 0, 1));
        record.Prompt.Should().Equal(Prompt);
    }

    [Fact]
    public void Reset_starts_over()
    {
        var recorder = Started();
        recorder.Step("a", Step(0.5, [ChatMessage.Tool("t", "1")], terminated: true));

        recorder.Reset(new ResetResult([ChatMessage.User("new task")], StepInfo.Empty));

        recorder.TurnCount.Should().Be(0);
        recorder.IsDone.Should().BeFalse();
        recorder.Context.Should().Equal(ChatMessage.User("new task"));
        recorder.Complete().Prompt.Should().Equal(ChatMessage.User("new task"));
    }
}
