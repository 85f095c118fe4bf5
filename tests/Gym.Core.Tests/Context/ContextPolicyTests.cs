using FluentAssertions;
using Gym.Core.Context;
using Xunit;
using static Gym.Core.Tests.Context.ContextTestData;

namespace Gym.Core.Tests.Context;

public sealed class ContextPolicyTests
{
    private static readonly ContextSegment[] PromptSegments = [ContextSegment.Prompt(0), ContextSegment.Prompt(1)];

    public static TheoryData<string> Modes => new() { "full", "mem1", "window:1", "window:2", "window:9", "strip-think" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Before_the_first_turn_every_mode_shows_the_prompt_alone(string mode)
    {
        var view = ContextPolicy.Create(MemorySpec.Parse(mode)).Build(Prompt, []);

        view.Messages.Should().Equal(SystemMessage, TaskMessage);
        view.Segments.Should().Equal(PromptSegments);
    }

    [Fact]
    public void Full_shows_the_prompt_every_action_and_every_observation()
    {
        var view = ContextPolicy.Full.Build(Prompt, Turns(4));

        view.Messages.Should().Equal(
            SystemMessage, TaskMessage,
            Action(0), Observations[0][0],
            Action(1), Observations[1][0], Observations[1][1],
            Action(2), Observations[2][0],
            Action(3), Observations[3][0]);
        view.Segments.Should().Equal(
            ContextSegment.Prompt(0), ContextSegment.Prompt(1),
            ContextSegment.Action(0), ContextSegment.Observation(0, 0),
            ContextSegment.Action(1), ContextSegment.Observation(1, 0), ContextSegment.Observation(1, 1),
            ContextSegment.Action(2), ContextSegment.Observation(2, 0),
            ContextSegment.Action(3), ContextSegment.Observation(3, 0));
    }

    [Fact]
    public void Mem1_shows_the_prompt_then_only_the_latest_action_and_observation()
    {
        var afterTwo = ContextPolicy.Mem1.Build(Prompt, Turns(2));
        var afterFour = ContextPolicy.Mem1.Build(Prompt, Turns(4));

        afterTwo.Messages.Should().Equal(SystemMessage, TaskMessage, Action(1), Observations[1][0], Observations[1][1]);
        afterTwo.Segments.Should().Equal(
            ContextSegment.Prompt(0), ContextSegment.Prompt(1),
            ContextSegment.Action(1), ContextSegment.Observation(1, 0), ContextSegment.Observation(1, 1));
        afterFour.Messages.Should().Equal(SystemMessage, TaskMessage, Action(3), Observations[3][0]);
        afterFour.Segments.Should().Equal(
            ContextSegment.Prompt(0), ContextSegment.Prompt(1), ContextSegment.Action(3), ContextSegment.Observation(3, 0));
        afterFour.Messages[2].Content.Should().Contain("<THINK>state: 84, done</THINK>", "the latest action carries the internal state, untouched");
    }

    [Fact]
    public void Window_shows_the_prompt_and_the_last_k_turns()
    {
        var view = ContextPolicy.Create(MemorySpec.ForWindow(2)).Build(Prompt, Turns(4));
        var wide = ContextPolicy.Create(MemorySpec.ForWindow(9)).Build(Prompt, Turns(4));

        view.Messages.Should().Equal(SystemMessage, TaskMessage, Action(2), Observations[2][0], Action(3), Observations[3][0]);
        view.Segments.Should().Equal(
            ContextSegment.Prompt(0), ContextSegment.Prompt(1),
            ContextSegment.Action(2), ContextSegment.Observation(2, 0),
            ContextSegment.Action(3), ContextSegment.Observation(3, 0));
        wide.Should().BeEquivalentTo(ContextPolicy.Full.Build(Prompt, Turns(4)), "a window wider than the episode is the full history");
    }

    [Fact]
    public void Strip_think_removes_think_blocks_from_every_action_but_the_latest()
    {
        var view = ContextPolicy.StripThink.Build(Prompt, Turns(4));

        view.Messages.Should().Equal(
            SystemMessage, TaskMessage,
            ChatMessage.Assistant("<tool_call>12 + 30</tool_call>"), Observations[0][0],
            ChatMessage.Assistant("<tool_call>42 * 2</tool_call>"), Observations[1][0], Observations[1][1],
            Action(2), Observations[2][0],
            Action(3), Observations[3][0]);
        view.Segments.Should().Equal(
            ContextSegment.Prompt(0), ContextSegment.Prompt(1),
            ContextSegment.Action(0, thinkStripped: true), ContextSegment.Observation(0, 0),
            ContextSegment.Action(1, thinkStripped: true), ContextSegment.Observation(1, 0), ContextSegment.Observation(1, 1),
            ContextSegment.Action(2), ContextSegment.Observation(2, 0),
            ContextSegment.Action(3), ContextSegment.Observation(3, 0));
    }

    [Theory]
    [InlineData("<think>a</think>\n<answer>1</answer>", "<answer>1</answer>")]
    [InlineData("<Think >a\nb</think >  x <think>c</think>y", "x y")]
    [InlineData("no tags", "no tags")]
    [InlineData("<think>never closed <answer>1</answer>", "<think>never closed <answer>1</answer>")]
    [InlineData("before <think>a</think>", "before ")]
    public void Think_blocks_are_removed_with_the_blanks_after_them(string text, string expected)
    {
        ThinkBlocks.Strip(text).Should().Be(expected);
    }

    [Fact]
    public void Text_without_think_blocks_is_returned_as_the_same_instance()
    {
        var text = "<tool_call>1 + 1</tool_call>";

        ThinkBlocks.Strip(text).Should().BeSameAs(text);
        new ContextTurn(text, []).StrippedActionMessage.Should().BeNull();
    }

    [Theory]
    [InlineData("full", MemoryMode.Full, 0)]
    [InlineData(" MEM1 ", MemoryMode.Mem1, 0)]
    [InlineData("window:3", MemoryMode.Window, 3)]
    [InlineData("window: 12", MemoryMode.Window, 12)]
    [InlineData("strip-think", MemoryMode.StripThink, 0)]
    public void Memory_specs_parse_and_print_back(string text, MemoryMode mode, int window)
    {
        var spec = MemorySpec.Parse(text);

        spec.Should().Be(new MemorySpec(mode, window));
        MemorySpec.Parse(spec.ToString()).Should().Be(spec);
    }

    [Theory]
    [InlineData("bogus", "unknown memory mode 'bogus': expected full | mem1 | window:K (K >= 1) | strip-think")]
    [InlineData("window", "memory mode 'window' needs a size: window:K with K >= 1 (e.g. window:3)")]
    [InlineData("window:0", "memory mode window needs at least 1 turn (got 0)")]
    [InlineData("window:-2", "memory mode 'window:-2': the window size must be a whole number >= 1 (got '-2')")]
    [InlineData("window:x", "memory mode 'window:x': the window size must be a whole number >= 1 (got 'x')")]
    [InlineData("mem1:2", "memory mode 'mem1' takes no argument (got 'mem1:2'); expected full | mem1 | window:K (K >= 1) | strip-think")]
    [InlineData("", "unknown memory mode '': expected full | mem1 | window:K (K >= 1) | strip-think")]
    public void Bad_memory_specs_are_refused_with_the_accepted_forms(string text, string message)
    {
        var parse = () => MemorySpec.Parse(text);

        parse.Should().Throw<ArgumentException>().Which.Message.Should().Be(message);
    }

    [Fact]
    public void The_default_spec_is_full_and_a_size_outside_window_mode_is_invalid()
    {
        default(MemorySpec).Should().Be(MemorySpec.Full);
        ContextPolicy.Create(default).Should().BeSameAs(ContextPolicy.Full);
        var invalid = () => ContextPolicy.Create(new MemorySpec(MemoryMode.Mem1, 2));

        invalid.Should().Throw<ArgumentException>().WithMessage("only memory mode window takes a size (got mem1 with size 2)");
    }
}
