using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>What <see cref="IEnvironment.ResetAsync(long, CancellationToken)"/> returns: the first observation and info.</summary>
/// <param name="Observation">The messages the agent sees first (system prompt, task).</param>
/// <param name="Info">Diagnostics; never needed to act.</param>
public sealed record ResetResult(IReadOnlyList<ChatMessage> Observation, StepInfo Info);

/// <summary>What <see cref="IEnvironment.StepAsync"/> returns for one action.</summary>
/// <param name="Observation">The new messages produced by the environment in response to the action (a delta, not the history).</param>
/// <param name="Reward">The scalar reward; always equal to <see cref="RewardBreakdown.Total"/> of <paramref name="Breakdown"/>.</param>
/// <param name="Breakdown">The named reward components, each tagged process or outcome.</param>
/// <param name="Terminated">The episode reached a terminal state of the task (answer given, goal reached).</param>
/// <param name="Truncated">The episode was cut short by a limit outside the task (turn limit); a learner should bootstrap.</param>
/// <param name="StopReason">Why the episode stopped, or <see cref="StopReason.None"/>.</param>
/// <param name="Info">Diagnostics, e.g. <see cref="StepInfo.IsSuccess"/>.</param>
/// <param name="ToolCalls">The tool calls made during this step, with their results.</param>
/// <param name="FormatError">When the action did not parse, what was wrong with it.</param>
public sealed record StepResult(
    IReadOnlyList<ChatMessage> Observation,
    double Reward,
    RewardBreakdown Breakdown,
    bool Terminated,
    bool Truncated,
    StopReason StopReason,
    StepInfo Info,
    IReadOnlyList<ToolInvocation> ToolCalls,
    string? FormatError = null)
{
    /// <summary>True when the episode is over for either reason.</summary>
    public bool IsDone => Terminated || Truncated;
}
