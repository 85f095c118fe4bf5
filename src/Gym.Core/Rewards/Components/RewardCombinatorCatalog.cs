using System.Globalization;

namespace Gym.Core.Rewards.Components;

/// <summary>A combinator kind: its name, its parameters and what it computes.</summary>
/// <param name="Kind">The kind as written in scenarios.</param>
/// <param name="Description">What it computes, with its formula.</param>
/// <param name="Parameters">The parameters it accepts.</param>
public sealed record CombinatorKindInfo(string Kind, string Description, IReadOnlyList<ComponentParameter> Parameters);

/// <summary>Every combinator kind, and the factory that builds a node from text parameters.</summary>
public static class RewardCombinatorCatalog
{
    /// <summary>The kinds, in documentation order.</summary>
    public static IReadOnlyList<CombinatorKindInfo> Kinds { get; } =
    [
        new("weighted-sum", "Σ of the inputs (components arrive weighted: w·raw). The root `weighted-sum` with no inputs is the default: every component's weighted terms add up.", []),
        new("gate", "x if x ≥ threshold, else 0 (x = sum of the inputs).", [new("threshold", "The gate's threshold τ.", null)]),
        new("sequential", "0 if any input is 0 (absent counts as 0), else the last input.", []),
        new("clip", "min(max(x, lo), hi).", [new("lo", "Lower bound.", null), new("hi", "Upper bound.", null)]),
        new("shaping", "x + γΦ(s′) − Φ(s), Φ = scale × a state key; Φ after the last turn is 0 (Ng et al. 1999: the optimal policy is unchanged).",
            [new("potential", "The state key Φ reads (see the state keys).", null), new("gamma", "Discount γ in [0, 1].", "1"), new("scale", "Multiplies the state key.", "1")]),
        new("par", "σ(x − ref): bounded, centered at the reference (PAR).", [new("ref", "The reference reward.", "0")]),
        new("lsc", "log σ(x − ref): sums of transformed components are log-probabilities of being good on all (LSC).", [new("ref", "The reference reward.", "0")]),
    ];

    /// <summary>Finds a kind; null when unknown.</summary>
    public static CombinatorKindInfo? Find(string kind) => Kinds.FirstOrDefault(k => k.Kind == kind);

    /// <summary>Builds a node; throws <see cref="RewardSpecException"/> naming the parameter at fault. A shaping potential is resolved in <paramref name="stateKeys"/> (the core keys when null).</summary>
    public static RewardCombinator Create(string kind, IReadOnlyDictionary<string, string> parameters, IReadOnlyList<RewardCombinator> children, IReadOnlyList<string> of, StateKeyCatalog? stateKeys = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        stateKeys ??= StateKeyCatalog.Core;
        var info = Find(kind) ?? throw new RewardSpecException(null, $"unknown combinator '{kind}'; known: {string.Join(", ", Kinds.Select(k => k.Kind))}");
        var unknown = parameters.Keys.FirstOrDefault(k => info.Parameters.All(p => p.Name != k));
        if (unknown is not null)
        {
            throw new RewardSpecException(unknown, info.Parameters.Count == 0
                ? $"combinator '{kind}' takes no parameters (got '{unknown}')"
                : $"unknown parameter '{unknown}' for combinator '{kind}'; known: {string.Join(", ", info.Parameters.Select(p => p.Name))}");
        }

        if (children.Count + of.Count == 0 && kind != "weighted-sum" && kind != "shaping")
        {
            throw new RewardSpecException(null, $"combinator '{kind}' needs an input: nested 'children' or component names in 'of'");
        }

        string Text(string key) => parameters.TryGetValue(key, out var value)
            ? value.Trim()
            : info.Parameters.First(p => p.Name == key).Default
              ?? throw new RewardSpecException(key, $"combinator '{kind}' needs parameter '{key}': {info.Parameters.First(p => p.Name == key).Description}");

        double Number(string key, double min = double.MinValue, double max = double.MaxValue)
        {
            var text = Text(key);
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max
                ? value
                : throw new RewardSpecException(key, $"parameter '{key}' of combinator '{kind}' must be a number{(min > double.MinValue ? $" from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}" : "")} (got '{text}')");
        }

        switch (kind)
        {
            case "weighted-sum":
                return new WeightedSumCombinator(children, of);
            case "gate":
                return new GateCombinator(children, of, Number("threshold"));
            case "sequential":
                return new SequentialCombinator(children, of);
            case "clip":
                var lo = Number("lo");
                var hi = Number("hi");
                return lo <= hi ? new ClipCombinator(children, of, lo, hi) : throw new RewardSpecException("hi", $"clip needs lo ≤ hi (got lo {lo}, hi {hi})");
            case "shaping":
                var potential = Text("potential");
                return stateKeys.TryResolve(potential, out var provider)
                    ? new ShapingCombinator(children, of, Number("gamma", 0, 1), potential, Number("scale")) { PotentialProvider = provider }
                    : throw new RewardSpecException("potential", $"unknown state key '{potential}' for shaping; known: {stateKeys.KeyList}");
            case "par":
                return new ParCombinator(children, of, Number("ref"));
            default:
                return new LscCombinator(children, of, Number("ref"));
        }
    }
}
