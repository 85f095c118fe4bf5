using System.Globalization;
using System.Text.RegularExpressions;

namespace Gym.Core.Rewards.Components;

/// <summary>
/// An answer compared with gold answers (<c>exact_match</c>, <c>token_f1</c>, <c>numeric_match</c>).
/// When a stage has K objectives, the answer is split on the stage's separator and each part scored
/// against its objective, as terms <c>objective{j}.NAME</c> weighted 1 (sum) or 1/K (mean) times the
/// component's weight; with one objective, one term <c>NAME</c>. No answer scores 0.
/// </summary>
public sealed class AnswerMatchComponent(string name, RewardKind kind, double weight, Func<string, IReadOnlyList<string>, double> match) : IRewardComponent
{
    /// <summary>SQuAD exact match.</summary>
    public static readonly Func<string, IReadOnlyList<string>, double> Exact = (answer, gold) => ExactMatch.Matches(answer, gold) ? 1 : 0;

    /// <summary>SQuAD token F1.</summary>
    public static readonly Func<string, IReadOnlyList<string>, double> F1 = (answer, gold) => TokenF1.Score(answer, gold);

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public RewardKind Kind { get; } = kind;

    /// <inheritdoc />
    public RewardScope Scope => RewardScope.Episode;

    /// <inheritdoc />
    public double Weight { get; } = weight;

    /// <summary>Numeric match within tolerance of any gold answer that states a number.</summary>
    public static Func<string, IReadOnlyList<string>, double> Numeric(double relative, double absolute) => (answer, gold) =>
        gold.Select(NumericMatch.Parse).Any(g => g is { } value && NumericMatch.Matches(answer, value, relative, absolute)) ? 1 : 0;

    /// <inheritdoc />
    public ValueTask ScoreAsync(TurnEvent turn, TurnFacts facts, IList<RewardTerm> terms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(terms);
        var objectives = facts.Stage.Objectives;
        if (objectives.Count <= 1)
        {
            var raw = turn.Answer is { } answer && objectives.Count == 1 ? match(answer, objectives[0].Answers) : 0;
            terms.Add(new RewardTerm(Name, Kind, raw, Weight));
            return ValueTask.CompletedTask;
        }

        var parts = turn.Answer is { } joined ? ObjectiveAnswers.Split(joined, facts.Stage.Separator ?? "; ") : [];
        var scale = facts.Stage.Aggregate == ObjectiveAggregate.Mean ? 1.0 / objectives.Count : 1.0;
        for (var j = 0; j < objectives.Count; j++)
        {
            var raw = j < parts.Count ? match(parts[j], objectives[j].Answers) : 0;
            terms.Add(new RewardTerm($"{ObjectiveAnswers.Prefix(j)}.{Name}", Kind, raw, Weight * scale));
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary><c>task</c>: the task's own outcome terms, weights multiplied by this component's weight.</summary>
public sealed class TaskOutcomeComponent(string name, RewardKind kind, double weight) : IRewardComponent
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public RewardKind Kind { get; } = kind;

    /// <inheritdoc />
    public RewardScope Scope => RewardScope.Episode;

    /// <inheritdoc />
    public double Weight { get; } = weight;

    /// <inheritdoc />
    public ValueTask ScoreAsync(TurnEvent turn, TurnFacts facts, IList<RewardTerm> terms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(terms);
        foreach (var term in turn.TaskOutcome)
        {
            terms.Add(term with { Weight = term.Weight * Weight });
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary><c>abstention</c>: rewards saying "cannot answer" exactly when no gold answer is reachable.</summary>
public sealed class AbstentionComponent(string name, RewardKind kind, double weight, IReadOnlyList<string> phrases, double penalty) : SimpleRewardComponent(name, kind, RewardScope.Episode, weight)
{
    private readonly IReadOnlyList<string> _phrases = [.. phrases.Select(ExactMatch.Normalize).Where(p => p.Length > 0)];

    /// <summary>Whether an answer abstains.</summary>
    public bool Abstains(string answer)
    {
        var text = $" {ExactMatch.Normalize(answer)} ";
        return _phrases.Any(p => text.Contains($" {p} ", StringComparison.Ordinal));
    }

    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        if (turn.Answer is not { } answer || !Abstains(answer))
        {
            return 0;
        }

        var answerable = facts.Stage.Objectives.Any(o => o.Answerable && o.Answers.Count > 0);
        return answerable ? -penalty : 1;
    }
}

/// <summary><c>calibration</c>: the RLCR Brier reward on the confidence the action states.</summary>
public sealed partial class CalibrationComponent(string name, RewardKind kind, double weight, string tag) : SimpleRewardComponent(name, kind, RewardScope.Episode, weight)
{
    [GeneratedRegex(@"^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    /// <summary>The stated confidence in [0,1], or null when the action states none (or an unreadable one).</summary>
    public double? Confidence(string action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var open = $"<{tag}>";
        var start = action.LastIndexOf(open, StringComparison.OrdinalIgnoreCase);
        var end = start < 0 ? -1 : action.IndexOf($"</{tag}>", start, StringComparison.OrdinalIgnoreCase);
        if (end < 0)
        {
            return null;
        }

        var match = Number().Match(action[(start + open.Length)..end]);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var confidence = match.Groups[2].Value == "%" ? value / 100 : value;
        return confidence is >= 0 and <= 1 ? confidence : null;
    }

    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        if (turn.Answer is null || turn.Score is null)
        {
            return 0;
        }

        var correct = turn.Score.Success;
        var confidence = Confidence(turn.ActionText) ?? (correct ? 0 : 1);
        return Calibration.Brier(correct, confidence);
    }
}
