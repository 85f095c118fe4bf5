using System.Globalization;
using Gym.Core.Context;
using Gym.Core.Rewards.Rubrics;

namespace Gym.Core.Rewards.Components;

/// <summary>A component parameter that is missing or out of range; <see cref="Parameter"/> names it (null for the component as a whole).</summary>
public sealed class RewardSpecException(string? parameter, string message) : Exception(message)
{
    /// <summary>The parameter at fault, or null.</summary>
    public string? Parameter { get; } = parameter;
}

/// <summary>One parameter a component kind accepts.</summary>
/// <param name="Name">The key under <c>params</c>.</param>
/// <param name="Description">What it does.</param>
/// <param name="Default">Its default as text; null when required.</param>
public sealed record ComponentParameter(string Name, string Description, string? Default);

/// <summary>A component kind: its name, default scope, parameters and what it measures.</summary>
/// <param name="Kind">The kind as written in scenarios.</param>
/// <param name="Scope">When it scores.</param>
/// <param name="Description">What it measures, with its formula.</param>
/// <param name="Parameters">The parameters it accepts.</param>
public sealed record ComponentKindInfo(string Kind, RewardScope Scope, string Description, IReadOnlyList<ComponentParameter> Parameters);

/// <summary>How to build one component.</summary>
/// <param name="Kind">The component kind.</param>
/// <param name="Name">Its name in breakdowns (defaults to the kind in scenarios).</param>
/// <param name="Weight">Its weight; 0 for a metric.</param>
/// <param name="RewardKind">Process or outcome (the scenario list it was declared in).</param>
/// <param name="Parameters">Parameters as text.</param>
/// <param name="Rubric">The criteria, for <c>rubric</c> only.</param>
public sealed record ComponentDefinition(
    string Kind,
    string Name,
    double Weight,
    RewardKind RewardKind,
    IReadOnlyDictionary<string, string> Parameters,
    Rubric? Rubric = null);

/// <summary>
/// Every reward component kind the library offers, and the factory that builds one from text
/// parameters with errors that name the parameter.
/// </summary>
public static class RewardComponentCatalog
{
    /// <summary>The kinds, in documentation order.</summary>
    public static IReadOnlyList<ComponentKindInfo> Kinds { get; } =
    [
        new("format", RewardScope.Turn, "Format validity: the action parses under the scenario's action format. `penalty` style: 0 valid, −1 malformed; `indicator` style: 1 valid, 0 malformed.",
            [new("style", "`penalty` or `indicator`.", "penalty")]),
        new("tool_call", RewardScope.Turn, "Tool-call validity: (calls that succeeded − calls that failed) / calls made; 0 on turns without calls.", []),
        new("toolrl", RewardScope.Turn, "ToolRL (Qian et al. 2025): R_format ∈ {0,1} + R_correct ∈ [−3,3] against the expert's next planned calls, R_correct = 6·score/S_max − 3; predicted calls matched to gold calls by optimal assignment. Range [−3, 4].", []),
        new("exact_match", RewardScope.Episode, "SQuAD exact match of the answer against any gold answer (per objective when K answers are given).", []),
        new("token_f1", RewardScope.Episode, "SQuAD token F1 of the answer against the best gold answer (per objective).", []),
        new("numeric_match", RewardScope.Episode, "1 when the answer states one number within tolerance of a numeric gold answer (per objective).",
            [new("rel_tol", "Relative tolerance.", "1e-6"), new("abs_tol", "Absolute tolerance.", "1e-9")]),
        new("search_r1", RewardScope.Episode, "Search-R1's format-aware outcome: correct and well-formed 1.0; correct, badly formed 0.8; wrong, well-formed with a gold answer in retrieved text 0.3; wrong, well-formed 0.2; wrong, badly formed 0.1; no answer 0 (well-formed: every turn so far parsed; correct: exact match).", []),
        new("task", RewardScope.Episode, "The task's own outcome components, as the task scores them (names kept, weights multiplied by this weight).", []),
        new("retrieval_hit", RewardScope.Turn, "1 when a document the turn's searches returned is a gold supporting document or contains a gold answer, else 0.", []),
        new("rank", RewardScope.Turn, "1/log2(1+rank) of the first hit among the turn's retrieved documents; 0 without a hit.", []),
        new("repeated_query", RewardScope.Turn, "−1 when a query repeats an earlier one (after normalization) or a search returns only documents seen before, else 0.", []),
        new("turn_cost", RewardScope.Turn, "−1 every turn; its weight is the cost per turn.", []),
        new("length_penalty", RewardScope.Turn, "−max(0, generated tokens − budget); tokens are the policy's token ids when it reports them, else the action counted with the tokenizer.",
            [new("budget", "Tokens per turn allowed free.", null), new("tokenizer", TokenCounters.Help, TokenCounters.DefaultName)]),
        new("abstention", RewardScope.Episode, "1 for abstaining (the answer says one of `phrases`) when no gold answer is reachable; −penalty for abstaining when one is; 0 otherwise.",
            [new("phrases", "Comma-separated abstention phrases, compared after SQuAD normalization.", "cannot answer, unanswerable, i don't know, no answer"), new("penalty", "Subtracted for abstaining on an answerable question.", "0")]),
        new("calibration", RewardScope.Episode, "RLCR Brier reward 1[correct] − (c − 1[correct])² with the confidence c stated as `<confidence>c</confidence>` (0–1, or a percentage); a missing confidence counts as fully wrong (c = 1 − 1[correct]).",
            [new("tag", "The tag holding the confidence.", "confidence")]),
        new("milestone", RewardScope.Turn, "1 on the turn the condition `when` first holds in the episode state (see state keys), else 0.",
            [new("when", "A condition like `plan_calls_done >= 2 and tool_errors == 0`.", null)]),
        new("rubric", RewardScope.Episode, "Weighted criteria (rules or an LLM judge); hard criteria gate the score to 0 unless met; the score is the weight-normalized mean of the soft criteria, in [0,1]. Each criterion is also reported as a metric `NAME.CRITERION`.",
            [new("scope", "`answer` (score the final answer, once per stage) or `turn` (score every action).", "answer")]),
    ];

    /// <summary>Finds a kind; null when unknown.</summary>
    public static ComponentKindInfo? Find(string kind) => Kinds.FirstOrDefault(k => k.Kind == kind);

    /// <summary>Checks a component's parameters without building it (a rubric's criteria are checked where they are built); throws <see cref="RewardSpecException"/>.</summary>
    public static void Validate(string kind, string name, IReadOnlyDictionary<string, string> parameters) =>
        Create(new ComponentDefinition(kind, name, 1, RewardKind.Process, parameters, kind == "rubric" ? PlaceholderRubric : null));

    private static readonly Rubric PlaceholderRubric = new([new RubricCriterion("placeholder", new ContainsRule("placeholder"))]);

    /// <summary>Builds a component; throws <see cref="RewardSpecException"/> naming the parameter at fault.</summary>
    public static IRewardComponent Create(ComponentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var info = Find(definition.Kind) ?? throw new RewardSpecException(null, $"unknown reward component '{definition.Kind}'; known: {string.Join(", ", Kinds.Select(k => k.Kind))}");
        var unknown = definition.Parameters.Keys.FirstOrDefault(k => info.Parameters.All(p => p.Name != k));
        if (unknown is not null)
        {
            throw new RewardSpecException(unknown, info.Parameters.Count == 0
                ? $"component '{info.Kind}' takes no parameters (got '{unknown}')"
                : $"unknown parameter '{unknown}' for component '{info.Kind}'; known: {string.Join(", ", info.Parameters.Select(p => p.Name))}");
        }

        if (!double.IsFinite(definition.Weight))
        {
            throw new RewardSpecException(null, $"the weight of '{definition.Name}' must be a finite number");
        }

        var p = new Params(definition, info);
        var name = definition.Name;
        var kind = definition.RewardKind;
        var weight = definition.Weight;
        return definition.Kind switch
        {
            "format" => new FormatComponent(name, kind, weight, p.Choice("style", "penalty", "indicator") == "indicator"),
            "tool_call" => new ToolCallComponent(name, kind, weight),
            "toolrl" => new ToolRlComponent(name, kind, weight),
            "exact_match" => new AnswerMatchComponent(name, kind, weight, AnswerMatchComponent.Exact),
            "token_f1" => new AnswerMatchComponent(name, kind, weight, AnswerMatchComponent.F1),
            "numeric_match" => new AnswerMatchComponent(name, kind, weight, AnswerMatchComponent.Numeric(p.Number("rel_tol", 0, 1), p.Number("abs_tol", 0, double.MaxValue))),
            "task" => new TaskOutcomeComponent(name, kind, weight),
            "search_r1" => new SearchR1Component(name, kind, weight),
            "retrieval_hit" => new RetrievalHitComponent(name, kind, weight),
            "rank" => new RankComponent(name, kind, weight),
            "repeated_query" => new RepeatedQueryComponent(name, kind, weight),
            "turn_cost" => new TurnCostComponent(name, kind, weight),
            "length_penalty" => new LengthPenaltyComponent(name, kind, weight, (int)p.Number("budget", 1, int.MaxValue, whole: true), p.TokenCounter("tokenizer")),
            "abstention" => new AbstentionComponent(name, kind, weight, p.List("phrases"), p.Number("penalty", 0, double.MaxValue)),
            "calibration" => new CalibrationComponent(name, kind, weight, p.Text("tag")),
            "milestone" => new MilestoneComponent(name, kind, weight, p.Condition("when")),
            "rubric" => new RubricComponent(name, kind, weight, p.Choice("scope", "answer", "turn") == "turn", definition.Rubric
                ?? throw new RewardSpecException(null, "a rubric needs at least one criterion under 'criteria'")),
            _ => throw new RewardSpecException(null, $"component '{definition.Kind}' has no factory"),
        };
    }

    /// <summary>Reads text parameters, with defaults from the catalog, raising errors that name the parameter.</summary>
    private sealed class Params(ComponentDefinition definition, ComponentKindInfo info)
    {
        public string Text(string key)
        {
            if (definition.Parameters.TryGetValue(key, out var value))
            {
                return value.Trim().Length > 0 ? value.Trim() : throw new RewardSpecException(key, $"parameter '{key}' of '{definition.Name}' is empty");
            }

            return info.Parameters.First(p => p.Name == key).Default
                ?? throw new RewardSpecException(key, $"component '{definition.Name}' ({info.Kind}) needs parameter '{key}': {info.Parameters.First(p => p.Name == key).Description}");
        }

        public string Choice(string key, params string[] allowed)
        {
            var value = Text(key);
            return allowed.Contains(value, StringComparer.Ordinal)
                ? value
                : throw new RewardSpecException(key, $"parameter '{key}' of '{definition.Name}' must be one of {string.Join(", ", allowed)} (got '{value}')");
        }

        public double Number(string key, double min, double max, bool whole = false)
        {
            var text = Text(key);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)
                || value < min || value > max || (whole && Math.Floor(value) != value))
            {
                var range = max >= int.MaxValue ? $"at least {min.ToString(CultureInfo.InvariantCulture)}" : $"from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
                throw new RewardSpecException(key, $"parameter '{key}' of '{definition.Name}' must be {(whole ? "a whole number" : "a number")} {range} (got '{text}')");
            }

            return value;
        }

        public IReadOnlyList<string> List(string key) =>
            [.. Text(key).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

        public StateCondition Condition(string key)
        {
            try
            {
                return StateCondition.Parse(Text(key));
            }
            catch (FormatException ex)
            {
                throw new RewardSpecException(key, $"parameter '{key}' of '{definition.Name}': {ex.Message}");
            }
        }

        public ITokenCounter TokenCounter(string key)
        {
            var value = Text(key);
            try
            {
                return TokenCounters.Create(value);
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or FormatException or InvalidOperationException)
            {
                throw new RewardSpecException(key, $"parameter '{key}' of '{definition.Name}': {ex.Message}");
            }
        }
    }
}
