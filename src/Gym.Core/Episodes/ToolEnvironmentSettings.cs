using Gym.Core.Parsing;
using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>Limits and reward weights shared by tool-using environments.</summary>
/// <param name="MaxTurns">Turns after which the episode is truncated.</param>
/// <param name="MaxActionChars">Longest action accepted; longer actions are malformed.</param>
/// <param name="ToolTimeout">Per-call time limit for tools.</param>
/// <param name="Format">How tool calls are written.</param>
/// <param name="MaxToolCallsPerTurn">Most tool calls one action may make.</param>
/// <param name="FormatWeight">Weight of the <c>format</c> process component (raw 0 when valid, −1 when malformed).</param>
/// <param name="ToolCallWeight">Weight of the <c>tool_call</c> process component (raw in [−1, 1]: share of calls that succeeded minus share that failed).</param>
/// <param name="OutcomeWeight">Weight of the task's outcome components.</param>
/// <param name="Faults">Seeded tool faults (errors, time-outs, latency) injected into every episode's tool calls; null for none.</param>
public sealed record ToolEnvironmentSettings(
    int MaxTurns = 8,
    int MaxActionChars = 4096,
    TimeSpan? ToolTimeout = null,
    ActionFormat Format = ActionFormat.JsonToolCalls,
    int MaxToolCallsPerTurn = 4,
    double FormatWeight = 0.2,
    double ToolCallWeight = 0.1,
    double OutcomeWeight = 1.0,
    ToolFaultSpec? Faults = null)
{
    /// <summary>
    /// The reward program; null means the default one: <c>format</c> (penalty style, <see cref="FormatWeight"/>),
    /// <c>tool_call</c> (<see cref="ToolCallWeight"/>) and the task's own outcome terms (<see cref="OutcomeWeight"/>).
    /// </summary>
    public Rewards.RewardProgram? Rewards { get; init; }

    /// <summary>The program in force: <see cref="Rewards"/>, or the default one built from the weights.</summary>
    public Rewards.RewardProgram EffectiveRewards => Rewards ?? new Rewards.RewardProgram(
    [
        new Rewards.Components.FormatComponent("format", Gym.Core.Rewards.RewardKind.Process, FormatWeight, indicator: false),
        new Rewards.Components.ToolCallComponent("tool_call", Gym.Core.Rewards.RewardKind.Process, ToolCallWeight),
        new Rewards.Components.TaskOutcomeComponent("task", Gym.Core.Rewards.RewardKind.Outcome, OutcomeWeight),
    ]);

    /// <summary>
    /// Whether observations end with a MEM1-style hint: <c>[HINT] You have N turns left.</c>, and with one
    /// turn left, <c>[HINT] You must answer the question in the next turn.</c>
    /// </summary>
    public bool TurnsLeftHint { get; init; }

    /// <summary>
    /// The text of the system message that opens every episode, as a <see cref="SystemPromptTemplate"/>
    /// (<c>{max_turns}</c>, <c>{tools}</c>, <c>{tool_names}</c> and <c>{format}</c> are filled in;
    /// <c>{{</c> and <c>}}</c> are literal braces); null means the default prompt,
    /// <see cref="SystemPromptTemplate.Default"/>.
    /// </summary>
    public string? SystemPrompt { get; init; }

    /// <summary>The per-call time limit, defaulting to 5 seconds.</summary>
    public TimeSpan EffectiveToolTimeout => ToolTimeout ?? TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range setting.</summary>
    public void Validate()
    {
        if (MaxTurns < 1)
        {
            throw new ArgumentException($"max turns must be at least 1 (got {MaxTurns})");
        }

        if (MaxActionChars < 1)
        {
            throw new ArgumentException($"max action length must be at least 1 character (got {MaxActionChars})");
        }

        if (EffectiveToolTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the tool timeout must be positive (got {EffectiveToolTimeout})");
        }

        if (MaxToolCallsPerTurn < 1)
        {
            throw new ArgumentException($"max tool calls per turn must be at least 1 (got {MaxToolCallsPerTurn})");
        }

        Faults?.Validate();
        if (SystemPrompt is not null)
        {
            SystemPromptTemplate.Validate(SystemPrompt);
        }
    }
}
