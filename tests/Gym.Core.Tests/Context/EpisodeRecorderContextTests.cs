using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Context.ContextTestData;

namespace Gym.Core.Tests.Context;

public sealed class EpisodeRecorderContextTests
{
    public static TheoryData<string> Modes => new() { "full", "mem1", "window:2", "strip-think" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Each_message_is_tokenized_once_per_episode_however_often_it_is_shown(string mode)
    {
        var counter = new CountingTokenCounter();

        var (record, views) = Play(ContextPolicy.Create(MemorySpec.Parse(mode)), counter);

        var distinct = views.SelectMany(v => v.Segments).Distinct().Count();
        counter.Calls.Should().Be(distinct, "one tokenization per distinct message shown");
        counter.CallsByMessage.Values.Should().OnlyContain(calls => calls == 1);
        for (var turn = 0; turn < record.Turns.Count; turn++)
        {
            record.Turns[turn].ContextTokens.Should().Be(views[turn].Messages.Sum(m => m.Content.Length), "turn {0}'s tokens are those of its context", turn);
        }
    }

    [Fact]
    public void Full_history_is_tokenized_incrementally_not_rebuilt_each_turn()
    {
        var counter = new CountingTokenCounter();

        Play(ContextPolicy.Full, counter);

        // Turn t's context is the prompt and turns before t; the last turn's action and observation
        // are never shown, so: 2 prompt messages + (1 + 1) + (1 + 2) + (1 + 1).
        counter.Calls.Should().Be(2 + 2 + 3 + 2);
    }

    [Fact]
    public void Peak_and_mean_context_tokens_summarize_the_turns()
    {
        var (record, views) = Play(ContextPolicy.Full, new CountingTokenCounter());

        var perTurn = views.Select(v => v.Messages.Sum(m => m.Content.Length)).ToArray();
        record.Turns.Select(t => t.ContextTokens).Should().Equal(perTurn);
        record.PeakContextTokens.Should().Be(perTurn.Max());
        record.MeanContextTokens.Should().Be(perTurn.Average());
        perTurn.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("full history only grows");
    }

    [Fact]
    public void The_recorder_counts_with_the_real_tokenizer_by_default()
    {
        var (record, views) = Play(ContextPolicy.Mem1);
        var o200k = TokenCounters.Create("o200k");

        for (var turn = 0; turn < record.Turns.Count; turn++)
        {
            record.Turns[turn].ContextTokens.Should().Be(views[turn].Messages.Sum(o200k.Count));
        }

        record.Turns[0].ContextTokens.Should().Be(o200k.Count(SystemMessage) + o200k.Count(TaskMessage));
    }

    [Fact]
    public void An_episode_without_turns_has_no_context_tokens()
    {
        var recorder = new EpisodeRecorder(0, "test/none-v0", 1, "p");

        var record = recorder.Fail("reset exploded");

        record.PeakContextTokens.Should().Be(0);
        record.MeanContextTokens.Should().Be(0);
    }

    [Fact]
    public void The_same_seed_and_actions_give_byte_identical_lines_in_every_mode()
    {
        foreach (var mode in new[] { "full", "mem1", "window:2", "strip-think" })
        {
            var policy = ContextPolicy.Create(MemorySpec.Parse(mode));

            TrajectoryJson.Serialize(Play(policy).Record).Should().Be(TrajectoryJson.Serialize(Play(policy).Record));
        }
    }

    [Fact]
    public void Reset_starts_a_fresh_context()
    {
        var recorder = new EpisodeRecorder(0, "test/x-v0", 1, "p", ContextPolicy.Full, new CountingTokenCounter());
        recorder.Reset(new ResetResult(Prompt, StepInfo.Empty));
        recorder.Step(Actions[0], Step(0));

        recorder.Reset(new ResetResult([ChatMessage.User("again")], StepInfo.Empty));

        recorder.Context.Should().Equal(ChatMessage.User("again"));
        recorder.View.Segments.Should().Equal(ContextSegment.Prompt(0));
        recorder.ContextTokens.Should().Be("again".Length);
    }
}
