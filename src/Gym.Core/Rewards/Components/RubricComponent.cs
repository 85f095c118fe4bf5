using Gym.Core.Rewards.Rubrics;

namespace Gym.Core.Rewards.Components;

/// <summary>
/// <c>rubric</c>: weighted criteria scored by rules or an LLM judge, on the answer (once per stage) or
/// on every action. Reports the rubric's score as <c>NAME</c> and each criterion's as a metric
/// <c>NAME.CRITERION</c> (weight 0). The reference for pairwise judging is the first gold answer.
/// The component owns its rubric: disposing it disposes the rubric's judges.
/// </summary>
public sealed class RubricComponent(string name, RewardKind kind, double weight, bool everyTurn, Rubric rubric) : IRewardComponent, IDisposable
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public RewardKind Kind { get; } = kind;

    /// <inheritdoc />
    public RewardScope Scope { get; } = everyTurn ? RewardScope.Turn : RewardScope.Episode;

    /// <inheritdoc />
    public double Weight { get; } = weight;

    /// <summary>The criteria.</summary>
    public Rubric Rubric { get; } = rubric;

    /// <summary>Disposes the rubric (its judges); safe to call more than once.</summary>
    public void Dispose() => Rubric.Dispose();

    /// <inheritdoc />
    public async ValueTask ScoreAsync(TurnEvent turn, TurnFacts facts, IList<RewardTerm> terms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(terms);
        var text = Scope == RewardScope.Turn ? turn.ActionText : turn.Answer;
        if (text is null)
        {
            // No answer: nothing to judge, and no judge call to pay for.
            terms.Add(new RewardTerm(Name, Kind, 0, Weight));
            return;
        }

        var reference = facts.Stage.Objectives.SelectMany(o => o.Answers).FirstOrDefault();
        var result = await Rubric.ScoreAsync(new RubricInput(facts.TaskPrompt, text, reference), cancellationToken).ConfigureAwait(false);
        terms.Add(new RewardTerm(Name, Kind, result.Score, Weight));
        foreach (var (criterion, score) in result.Criteria)
        {
            terms.Add(new RewardTerm($"{Name}.{criterion}", Kind, score, 0));
        }
    }
}
