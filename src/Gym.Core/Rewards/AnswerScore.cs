namespace Gym.Core.Rewards;

/// <summary>The outcome of scoring an answer.</summary>
/// <param name="Terms">The outcome reward components.</param>
/// <param name="Success">Whether the answer solves the task (for the last stage of a multi-stage task: whether every stage was solved).</param>
/// <param name="Expected">The gold answer, for diagnostics in info (never shown to the agent).</param>
public sealed record AnswerScore(IReadOnlyList<RewardTerm> Terms, bool Success, string Expected)
{
    /// <summary>
    /// When set, the answer closed one stage of a multi-stage task: the episode goes on and the
    /// agent sees this text as a user message. Null for the final (or only) answer.
    /// </summary>
    public string? NextPrompt { get; init; }

    /// <summary>Extra diagnostics merged into the step's info (per-objective results, format notes).</summary>
    public StepInfo Info { get; init; } = StepInfo.Empty;
}
