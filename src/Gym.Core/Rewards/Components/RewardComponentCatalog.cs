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

/// <summary>
/// A component kind: its name, default scope, parameters, what it measures, and the factory that builds
/// it. The core registers the general kinds (<see cref="RewardComponentCatalog.BuiltIns"/>); a module
/// registers its own with <see cref="RewardComponentRegistry.Register"/>.
/// </summary>
/// <param name="Kind">The kind as written in scenarios.</param>
/// <param name="Scope">When it scores.</param>
/// <param name="Description">What it measures, with its formula.</param>
/// <param name="Parameters">The parameters it accepts.</param>
/// <param name="Create">Builds a component from checked arguments; throws <see cref="RewardSpecException"/> for a bad value.</param>
public sealed record RewardComponentKind(
    string Kind,
    RewardScope Scope,
    string Description,
    IReadOnlyList<ComponentParameter> Parameters,
    Func<ComponentArguments, IRewardComponent> Create);

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

/// <summary>The general component kinds the core offers, and shortcuts over a registry of only those.</summary>
public static class RewardComponentCatalog
{
    /// <summary>The core's kinds, in documentation order.</summary>
    public static IReadOnlyList<RewardComponentKind> BuiltIns { get; } =
    [
        new("format", RewardScope.Turn, "Format validity: the action parses under the scenario's action format. `penalty` style: 0 valid, −1 malformed; `indicator` style: 1 valid, 0 malformed.",
            [new("style", "`penalty` or `indicator`.", "penalty")],
            a => new FormatComponent(a.Name, a.RewardKind, a.Weight, a.Choice("style", "penalty", "indicator") == "indicator")),
        new("tool_call", RewardScope.Turn, "Tool-call validity: (calls that succeeded − calls that failed) / calls made; 0 on turns without calls.", [],
            a => new ToolCallComponent(a.Name, a.RewardKind, a.Weight)),
        new("toolrl", RewardScope.Turn, "ToolRL (Qian et al. 2025): R_format ∈ {0,1} + R_correct ∈ [−3,3] against the expert's next planned calls, R_correct = 6·score/S_max − 3; predicted calls matched to gold calls by optimal assignment. Range [−3, 4].", [],
            a => new ToolRlComponent(a.Name, a.RewardKind, a.Weight)),
        new("exact_match", RewardScope.Episode, "SQuAD exact match of the answer against any gold answer (per objective when K answers are given).", [],
            a => new AnswerMatchComponent(a.Name, a.RewardKind, a.Weight, AnswerMatchComponent.Exact)),
        new("token_f1", RewardScope.Episode, "SQuAD token F1 of the answer against the best gold answer (per objective).", [],
            a => new AnswerMatchComponent(a.Name, a.RewardKind, a.Weight, AnswerMatchComponent.F1)),
        new("numeric_match", RewardScope.Episode, "1 when the answer states one number within tolerance of a numeric gold answer (per objective).",
            [new("rel_tol", "Relative tolerance.", "1e-6"), new("abs_tol", "Absolute tolerance.", "1e-9")],
            a => new AnswerMatchComponent(a.Name, a.RewardKind, a.Weight, AnswerMatchComponent.Numeric(a.Number("rel_tol", 0, 1), a.Number("abs_tol", 0, double.MaxValue)))),
        new("task", RewardScope.Episode, "The task's own outcome components, as the task scores them (names kept, weights multiplied by this weight).", [],
            a => new TaskOutcomeComponent(a.Name, a.RewardKind, a.Weight)),
        new("turn_cost", RewardScope.Turn, "−1 every turn; its weight is the cost per turn.", [],
            a => new TurnCostComponent(a.Name, a.RewardKind, a.Weight)),
        new("length_penalty", RewardScope.Turn, "−max(0, generated tokens − budget); tokens are the policy's token ids when it reports them, else the action counted with the tokenizer.",
            [new("budget", "Tokens per turn allowed free.", null), new("tokenizer", TokenCounters.Help, TokenCounters.DefaultName)],
            a => new LengthPenaltyComponent(a.Name, a.RewardKind, a.Weight, (int)a.Number("budget", 1, int.MaxValue, whole: true), a.TokenCounter("tokenizer"))),
        new("abstention", RewardScope.Episode, "1 for abstaining (the answer says one of `phrases`) when no gold answer is reachable; −penalty for abstaining when one is; 0 otherwise.",
            [new("phrases", "Comma-separated abstention phrases, compared after SQuAD normalization.", "cannot answer, unanswerable, i don't know, no answer"), new("penalty", "Subtracted for abstaining on an answerable question.", "0")],
            a => new AbstentionComponent(a.Name, a.RewardKind, a.Weight, a.List("phrases"), a.Number("penalty", 0, double.MaxValue))),
        new("calibration", RewardScope.Episode, "RLCR Brier reward 1[correct] − (c − 1[correct])² with the confidence c stated as `<confidence>c</confidence>` (0–1, or a percentage); a missing confidence counts as fully wrong (c = 1 − 1[correct]).",
            [new("tag", "The tag holding the confidence.", "confidence")],
            a => new CalibrationComponent(a.Name, a.RewardKind, a.Weight, a.Text("tag"))),
        new("milestone", RewardScope.Turn, "1 on the turn the condition `when` first holds in the episode state (see state keys), else 0.",
            [new("when", "A condition like `plan_calls_done >= 2 and tool_errors == 0`.", null)],
            a => new MilestoneComponent(a.Name, a.RewardKind, a.Weight, a.Condition("when"))),
        new("rubric", RewardScope.Episode, "Weighted criteria (rules or an LLM judge); hard criteria gate the score to 0 unless met; the score is the weight-normalized mean of the soft criteria, in [0,1]. Each criterion is also reported as a metric `NAME.CRITERION`.",
            [new("scope", "`answer` (score the final answer, once per stage) or `turn` (score every action).", "answer")],
            a => new RubricComponent(a.Name, a.RewardKind, a.Weight, a.Choice("scope", "answer", "turn") == "turn", a.Rubric
                ?? throw new RewardSpecException(null, "a rubric needs at least one criterion under 'criteria'"))),
    ];

    /// <summary>The core's kinds, in documentation order.</summary>
    public static IReadOnlyList<RewardComponentKind> Kinds => BuiltIns;

    /// <summary>Finds a core kind; null when unknown.</summary>
    public static RewardComponentKind? Find(string kind) => RewardComponentRegistry.Core.Find(kind);

    /// <summary>Builds a core component; throws <see cref="RewardSpecException"/> naming the parameter at fault.</summary>
    public static IRewardComponent Create(ComponentDefinition definition) => RewardComponentRegistry.Core.Create(definition);
}

/// <summary>
/// The reward component kinds a registry knows: the core's, then each module's. Scenario validation,
/// the JSON Schema, the docs tables and the scenario builder all read it, so a kind registered here is
/// usable everywhere at once.
/// </summary>
public sealed class RewardComponentRegistry
{
    private static readonly Rubric PlaceholderRubric = new([new RubricCriterion("placeholder", new ContainsRule("placeholder"))]);
    private readonly List<RewardComponentKind> _kinds = [];
    private readonly bool _frozen;

    /// <summary>A registry of the core kinds, over <paramref name="stateKeys"/> (a new catalog of the core keys when null).</summary>
    public RewardComponentRegistry(StateKeyCatalog? stateKeys = null)
    {
        StateKeys = stateKeys ?? new StateKeyCatalog();
        foreach (var kind in RewardComponentCatalog.BuiltIns)
        {
            Register(kind);
        }
    }

    private RewardComponentRegistry(bool frozen)
        : this(StateKeyCatalog.Core) => _frozen = frozen;

    /// <summary>The core kinds over the core state keys; read-only.</summary>
    public static RewardComponentRegistry Core { get; } = new(frozen: true);

    /// <summary>The state keys conditions and potentials may read.</summary>
    public StateKeyCatalog StateKeys { get; }

    /// <summary>The kinds, in registration (documentation) order.</summary>
    public IReadOnlyList<RewardComponentKind> Kinds => _kinds;

    /// <summary>Adds a kind; its name must be new.</summary>
    public RewardComponentRegistry Register(RewardComponentKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (_frozen)
        {
            throw new InvalidOperationException("the core component registry is shared and read-only; register kinds on a registry of your own");
        }

        if (Find(kind.Kind) is not null)
        {
            throw new ArgumentException($"reward component kind '{kind.Kind}' is already registered", nameof(kind));
        }

        _kinds.Add(kind);
        return this;
    }

    /// <summary>Finds a kind; null when unknown.</summary>
    public RewardComponentKind? Find(string kind) => _kinds.Find(k => k.Kind == kind);

    /// <summary>Checks a component's parameters without building it (a rubric's criteria are checked where they are built); throws <see cref="RewardSpecException"/>.</summary>
    public void Validate(string kind, string name, IReadOnlyDictionary<string, string> parameters) =>
        Create(new ComponentDefinition(kind, name, 1, RewardKind.Process, parameters, kind == "rubric" ? PlaceholderRubric : null));

    /// <summary>Builds a component; throws <see cref="RewardSpecException"/> naming the parameter at fault.</summary>
    public IRewardComponent Create(ComponentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var kind = Find(definition.Kind) ?? throw new RewardSpecException(null, UnknownKind(definition.Kind));
        var unknown = definition.Parameters.Keys.FirstOrDefault(k => kind.Parameters.All(p => p.Name != k));
        if (unknown is not null)
        {
            throw new RewardSpecException(unknown, kind.Parameters.Count == 0
                ? $"component '{kind.Kind}' takes no parameters (got '{unknown}')"
                : $"unknown parameter '{unknown}' for component '{kind.Kind}'; known: {string.Join(", ", kind.Parameters.Select(p => p.Name))}");
        }

        if (!double.IsFinite(definition.Weight))
        {
            throw new RewardSpecException(null, $"the weight of '{definition.Name}' must be a finite number");
        }

        return kind.Create(new ComponentArguments(definition, kind, StateKeys));
    }

    private string UnknownKind(string kind)
    {
        var hint = Suggestions.Nearest(kind, _kinds.Select(k => k.Kind)) is { } nearest ? $"did you mean '{nearest}'? " : "";
        return $"unknown reward component '{kind}'; {hint}known: {string.Join(", ", _kinds.Select(k => k.Kind))}";
    }
}

/// <summary>
/// A component's definition as its factory reads it: the name, kind and weight, and the text
/// parameters with the kind's defaults applied, each read with an error that names the parameter.
/// </summary>
public sealed class ComponentArguments
{
    private readonly ComponentDefinition _definition;
    private readonly RewardComponentKind _kind;

    internal ComponentArguments(ComponentDefinition definition, RewardComponentKind kind, StateKeyCatalog stateKeys)
    {
        _definition = definition;
        _kind = kind;
        StateKeys = stateKeys;
    }

    /// <summary>The component's name in breakdowns.</summary>
    public string Name => _definition.Name;

    /// <summary>Process or outcome.</summary>
    public RewardKind RewardKind => _definition.RewardKind;

    /// <summary>The weight.</summary>
    public double Weight => _definition.Weight;

    /// <summary>The rubric's criteria, for kinds that take them.</summary>
    public Rubric? Rubric => _definition.Rubric;

    /// <summary>The state keys a condition may read.</summary>
    public StateKeyCatalog StateKeys { get; }

    /// <summary>A parameter's trimmed text, or its default; an empty value or a missing required one is an error.</summary>
    public string Text(string key)
    {
        if (_definition.Parameters.TryGetValue(key, out var value))
        {
            return value.Trim().Length > 0 ? value.Trim() : throw new RewardSpecException(key, $"parameter '{key}' of '{Name}' is empty");
        }

        var parameter = _kind.Parameters.FirstOrDefault(p => p.Name == key)
            ?? throw new InvalidOperationException($"component kind '{_kind.Kind}' reads parameter '{key}' but does not declare it");
        return parameter.Default
            ?? throw new RewardSpecException(key, $"component '{Name}' ({_kind.Kind}) needs parameter '{key}': {parameter.Description}");
    }

    /// <summary>A parameter that must be one of <paramref name="allowed"/>.</summary>
    public string Choice(string key, params string[] allowed)
    {
        var value = Text(key);
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new RewardSpecException(key, $"parameter '{key}' of '{Name}' must be one of {string.Join(", ", allowed)} (got '{value}')");
    }

    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>], whole when <paramref name="whole"/>.</summary>
    public double Number(string key, double min, double max, bool whole = false)
    {
        var text = Text(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)
            || value < min || value > max || (whole && Math.Floor(value) != value))
        {
            var range = max >= int.MaxValue ? $"at least {min.ToString(CultureInfo.InvariantCulture)}" : $"from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
            throw new RewardSpecException(key, $"parameter '{key}' of '{Name}' must be {(whole ? "a whole number" : "a number")} {range} (got '{text}')");
        }

        return value;
    }

    /// <summary>A comma-separated list.</summary>
    public IReadOnlyList<string> List(string key) =>
        [.. Text(key).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>A state condition over <see cref="StateKeys"/>.</summary>
    public StateCondition Condition(string key)
    {
        try
        {
            return StateCondition.Parse(Text(key), StateKeys);
        }
        catch (FormatException ex)
        {
            throw new RewardSpecException(key, $"parameter '{key}' of '{Name}': {ex.Message}");
        }
    }

    /// <summary>A token counter by name or file.</summary>
    public ITokenCounter TokenCounter(string key)
    {
        var value = Text(key);
        try
        {
            return TokenCounters.Create(value);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or FormatException or InvalidOperationException)
        {
            throw new RewardSpecException(key, $"parameter '{key}' of '{Name}': {ex.Message}");
        }
    }
}
