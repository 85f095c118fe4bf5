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
