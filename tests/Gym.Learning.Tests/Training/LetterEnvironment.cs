using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Rewards;

namespace Gym.Learning.Tests.Training;

/// <summary>
/// A two-turn task with a short prompt whose reward is the share of lowercase ASCII letters in the
/// action: a random byte-level model earns different rewards on different attempts, so its groups carry
/// a learning signal (the arithmetic task gives every random attempt the same format penalty).
/// </summary>
internal sealed class LetterEnvironment(int turns = 2) : IEnvironment
{
    private int _turn;

    public string Id => "test/letters-v0";

    public int MaxTurns => turns;

    public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
    {
        _turn = 0;
        return ValueTask.FromResult(new ResetResult([ChatMessage.System("Write letters."), ChatMessage.User($"Task {seed}.")], StepInfo.Empty));
    }

    public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        _turn++;
        var letters = action.Text.Length == 0 ? 0 : (double)action.Text.Count(c => c is >= 'a' and <= 'z') / action.Text.Length;
        var breakdown = new RewardBreakdown([new RewardTerm("letters", RewardKind.Process, letters, 1)]);
        var done = _turn >= turns;
        return ValueTask.FromResult(new StepResult(
            [ChatMessage.User("More.")], breakdown.Total, breakdown, Terminated: false, Truncated: done,
            done ? StopReason.MaxTurns : StopReason.None, StepInfo.Empty, []));
    }
}
