using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>
/// One generated problem: what the agent is asked, which tools it gets and how an answer is scored.
/// Created by a <see cref="ToolEnvironment"/> from the episode seed alone.
/// </summary>
public abstract class EpisodeTask
{
    /// <summary>The task statement shown to the agent as the first user message.</summary>
    public abstract string Prompt { get; }

    /// <summary>The tools offered in this episode.</summary>
    public abstract IReadOnlyList<ITool> Tools { get; }

    /// <summary>Diagnostics about the generated task (difficulty, sizes), returned by reset.</summary>
    public virtual StepInfo Info => StepInfo.Empty;

    /// <summary>Scores a final answer.</summary>
    public abstract AnswerScore ScoreAnswer(string answer);

    /// <summary>The outcome terms recorded when the episode ends without an answer (all zero).</summary>
    public abstract IReadOnlyList<RewardTerm> NoAnswerOutcome();
}

/// <summary>The outcome of scoring an answer.</summary>
/// <param name="Terms">The outcome reward components.</param>
/// <param name="Success">Whether the answer solves the task.</param>
/// <param name="Expected">The gold answer, for diagnostics in info (never shown to the agent).</param>
public sealed record AnswerScore(IReadOnlyList<RewardTerm> Terms, bool Success, string Expected);
