using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>
/// One generated problem: what the agent is asked, which tools it gets and how an answer is scored.
/// Created by a <see cref="ToolEnvironment"/> (or any <see cref="ITaskSource"/>) from the episode seed alone.
/// A task is used by one episode only, so a multi-stage task may keep which stage it is in.
/// </summary>
public abstract class EpisodeTask
{
    /// <summary>The task statement shown to the agent as the first user message.</summary>
    public abstract string Prompt { get; }

    /// <summary>The tools offered in this episode.</summary>
    public abstract IReadOnlyList<ITool> Tools { get; }

    /// <summary>Diagnostics about the generated task (difficulty, sizes), returned by reset.</summary>
    public virtual StepInfo Info => StepInfo.Empty;

    /// <summary>
    /// A scripted solution the generic expert (<see cref="Policies.PlanExpert"/>) follows, or null when
    /// the task has none. Must be a pure function of the seed the task was made from.
    /// </summary>
    public virtual ExpertPlan? Plan => null;

    /// <summary>
    /// What reward components compare against (gold answers, planned calls, supporting documents);
    /// by default derived from <see cref="Plan"/>. Must be a pure function of the seed.
    /// </summary>
    public virtual TaskReference Reference => TaskReference.FromPlan(Plan);

    /// <summary>
    /// Scores a final answer. A multi-stage task scores the current stage and, when more stages
    /// remain, returns the next stage's prompt in <see cref="AnswerScore.NextPrompt"/>.
    /// </summary>
    public abstract AnswerScore ScoreAnswer(string answer);

    /// <summary>The outcome terms recorded when the episode ends without an answer (all zero); for a multi-stage task, those of the stages not yet answered.</summary>
    public abstract IReadOnlyList<RewardTerm> NoAnswerOutcome();
}

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
