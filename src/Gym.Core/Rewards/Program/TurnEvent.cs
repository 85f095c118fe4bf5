using Gym.Core.Tools;

namespace Gym.Core.Rewards;

/// <summary>
/// Everything a reward component may look at about one played turn. Built by the environment while
/// it steps, and rebuilt identically when a recorded episode is re-scored (the action is re-parsed,
/// tool results come from the record), so scores never depend on anything outside the trajectory and
/// the task's seed.
/// </summary>
public sealed record TurnEvent
{
    /// <summary>Zero-based turn index.</summary>
    public required int Turn { get; init; }

    /// <summary>The episode's turn limit.</summary>
    public required int MaxTurns { get; init; }

    /// <summary>The action text exactly as the policy wrote it.</summary>
    public required string ActionText { get; init; }

    /// <summary>The policy's generated token count when it reported token ids; null when it did not.</summary>
    public int? GeneratedTokens { get; init; }

    /// <summary>Whether the action parsed under the scenario's action format.</summary>
    public required bool FormatValid { get; init; }

    /// <summary>Why it did not parse, when it did not.</summary>
    public string? FormatError { get; init; }

    /// <summary>The tool calls the action requested (empty for answers and malformed actions).</summary>
    public IReadOnlyList<ToolCall> Calls { get; init; } = [];

    /// <summary>The calls as run, with their results (or, when re-scoring, as recorded).</summary>
    public IReadOnlyList<ToolInvocation> Invocations { get; init; } = [];

    /// <summary>The answer text when the action answered.</summary>
    public string? Answer { get; init; }

    /// <summary>The task's own verdict on <see cref="Answer"/>; null when the turn did not answer.</summary>
    public AnswerScore? Score { get; init; }

    /// <summary>
    /// The task's own outcome terms at this turn: those of <see cref="Score"/>, or, when the episode is
    /// truncated without an answer, the task's no-answer terms; empty otherwise.
    /// </summary>
    public IReadOnlyList<RewardTerm> TaskOutcome { get; init; } = [];

    /// <summary>The zero-based stage (answer) the action belongs to.</summary>
    public required int Stage { get; init; }

    /// <summary>Whether the episode ends with this turn (terminated or truncated).</summary>
    public bool Ends { get; init; }

    /// <summary>Whether the turn limit ended the episode.</summary>
    public bool Truncated { get; init; }

    /// <summary>Whether episode-scoped (outcome) components score this turn: an answer, or the end of the episode without one.</summary>
    public bool ClosesStage => Answer is not null || Truncated;
}
