using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;

namespace Gym.Core.Tests.Context;

/// <summary>A hand-built four-turn episode whose every message is known, for the context policy tests.</summary>
internal static class ContextTestData
{
    public static readonly ChatMessage SystemMessage = ChatMessage.System("You are a careful agent.");
    public static readonly ChatMessage TaskMessage = ChatMessage.User("Compute 12 + 30 then double it.");

    public static readonly string[] Actions =
    [
        "<think>state: start at 12</think>\n<tool_call>12 + 30</tool_call>",
        "<think>state: 42, one step left</think><tool_call>42 * 2</tool_call>",
        "<tool_call>84 - 0</tool_call>",
        "<THINK>state: 84, done</THINK> <answer>84</answer>",
    ];

    public static readonly ChatMessage[][] Observations =
    [
        [ChatMessage.Tool("calculator", "42")],
        [ChatMessage.Tool("calculator", "84"), ChatMessage.User("[HINT] You have 2 turns left")],
        [ChatMessage.Tool("calculator", "84")],
        [ChatMessage.User("Correct.")],
    ];

    public static IReadOnlyList<ChatMessage> Prompt => [SystemMessage, TaskMessage];

    public static ChatMessage Action(int turn) => ChatMessage.Assistant(Actions[turn]);

    public static IReadOnlyList<ContextTurn> Turns(int count) =>
        [.. Enumerable.Range(0, count).Select(t => new ContextTurn(Actions[t], Observations[t]))];

    public static StepResult Step(int turn)
    {
        var last = turn == Actions.Length - 1;
        var breakdown = new RewardBreakdown([new RewardTerm("format", RewardKind.Process, 1, 0.1)]);
        return new StepResult(Observations[turn], breakdown.Total, breakdown, last, false, last ? StopReason.Answered : StopReason.None, StepInfo.Empty, []);
    }

    /// <summary>
    /// Plays the episode through a recorder with <paramref name="policy"/> and returns the record
    /// and the view the recorder showed before each step.
    /// </summary>
    public static (EpisodeRecord Record, IReadOnlyList<ContextView> Views) Play(IContextPolicy policy, ITokenCounter? counter = null)
    {
        var recorder = new EpisodeRecorder(3, "test/context-v0", 99, "scripted", policy, counter);
        recorder.Reset(new ResetResult(Prompt, StepInfo.Empty));
        var views = new List<ContextView>();
        for (var t = 0; t < Actions.Length; t++)
        {
            views.Add(recorder.View);
            recorder.Step(Actions[t], Step(t));
        }

        return (recorder.Complete(), views);
    }
}

/// <summary>Counts how often each message object is tokenized; every message counts as its length in characters.</summary>
internal sealed class CountingTokenCounter : ITokenCounter
{
    private readonly Dictionary<ChatMessage, int> _calls = new(ReferenceEqualityComparer.Instance);

    public string Name => "counting";

    public int Calls { get; private set; }

    public IReadOnlyDictionary<ChatMessage, int> CallsByMessage => _calls;

    public int Count(ChatMessage message)
    {
        Calls++;
        _calls[message] = _calls.GetValueOrDefault(message) + 1;
        return message.Content.Length;
    }

    public int CountText(string text) => text.Length;
}
