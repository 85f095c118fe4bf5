namespace Gym.Core.Rewards;

/// <summary>The values a combinator tree reads at one turn.</summary>
/// <param name="Components">Each component's contribution this turn (the sum of its terms' weighted values); absent when it did not score.</param>
/// <param name="Facts">The turn's facts (state before and after, for shaping).</param>
public sealed record CombinatorInput(IReadOnlyDictionary<string, double> Components, TurnFacts Facts);

/// <summary>
/// A node of a reward combinator tree. Its inputs are its children's values followed by the named
/// components' weighted values (<see cref="Of"/>); an input that did not score this turn is absent,
/// and a node whose inputs are all absent is absent too (so a transform of an outcome does not pay on
/// turns without one).
/// </summary>
/// <param name="Children">Nested combinators.</param>
/// <param name="Of">Components read directly, by name.</param>
public abstract record RewardCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of)
{
    /// <summary>The combinator's kind as written in scenarios.</summary>
    public abstract string Kind { get; }

    /// <summary>Every component name the tree reads.</summary>
    public IEnumerable<string> ComponentNames => Of.Concat(Children.SelectMany(c => c.ComponentNames));

    /// <summary>The state providers the tree reads.</summary>
    public virtual IEnumerable<IEpisodeStateProvider> StateProviders => Children.SelectMany(c => c.StateProviders);

    /// <summary>The node's value this turn, or null when absent.</summary>
    public double? Evaluate(CombinatorInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var values = new List<double?>(Children.Count + Of.Count);
        values.AddRange(Children.Select(c => c.Evaluate(input)));
        values.AddRange(Of.Select(name => input.Components.TryGetValue(name, out var v) ? v : (double?)null));
        return Combine(values, input);
    }

    /// <summary>Combines the inputs (null = absent).</summary>
    protected abstract double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input);

    /// <summary>The sum of the present inputs, or null when none is present.</summary>
    protected static double? SumPresent(IReadOnlyList<double?> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        double? sum = null;
        foreach (var value in inputs)
        {
            if (value is { } v)
            {
                sum = (sum ?? 0) + v;
            }
        }

        return sum;
    }
}

/// <summary><c>weighted-sum</c>: the sum of the inputs (components arrive already weighted).</summary>
public sealed record WeightedSumCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of) : RewardCombinator(Children, Of)
{
    /// <inheritdoc />
    public override string Kind => "weighted-sum";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input) => SumPresent(inputs);
}

/// <summary><c>gate</c>: x if x ≥ threshold, else 0, where x is the sum of the inputs.</summary>
public sealed record GateCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of, double Threshold) : RewardCombinator(Children, Of)
{
    /// <inheritdoc />
    public override string Kind => "gate";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input) =>
        SumPresent(inputs) is { } x ? RewardTransforms.Gate(x, Threshold) : null;
}

/// <summary><c>sequential</c>: 0 if any input is 0 (an absent input counts as 0), else the last input.</summary>
public sealed record SequentialCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of) : RewardCombinator(Children, Of)
{
    /// <inheritdoc />
    public override string Kind => "sequential";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input) =>
        inputs.All(v => v is null) ? null : RewardTransforms.Sequential([.. inputs.Select(v => v ?? 0)]);
}

/// <summary><c>clip</c>: the sum of the inputs clipped to [lo, hi].</summary>
public sealed record ClipCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of, double Low, double High) : RewardCombinator(Children, Of)
{
    /// <inheritdoc />
    public override string Kind => "clip";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input) =>
        SumPresent(inputs) is { } x ? RewardTransforms.Clip(x, Low, High) : null;
}

/// <summary><c>par</c>: σ(x − reference), bounded in (0, 1) and centered at the reference.</summary>
public sealed record ParCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of, double Reference) : RewardCombinator(Children, Of)
{
    /// <inheritdoc />
    public override string Kind => "par";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input) =>
        SumPresent(inputs) is { } x ? RewardTransforms.Par(x, Reference) : null;
}

/// <summary><c>lsc</c>: log σ(x − reference); summing transformed components is the log-probability of being good on all.</summary>
public sealed record LscCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of, double Reference) : RewardCombinator(Children, Of)
{
    /// <inheritdoc />
    public override string Kind => "lsc";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input) =>
        SumPresent(inputs) is { } x ? RewardTransforms.Lsc(x, Reference) : null;
}

/// <summary>
/// <c>shaping</c>: the inputs' sum plus γΦ(s′) − Φ(s), with Φ = scale × a state key
/// (<see cref="StateValues"/>). The potential of the state after the last turn is 0, as Ng et al. (1999)
/// require for episodic tasks, so shaping never changes which policies are optimal. Present every turn.
/// </summary>
public sealed record ShapingCombinator(IReadOnlyList<RewardCombinator> Children, IReadOnlyList<string> Of, double Gamma, string Potential, double Scale) : RewardCombinator(Children, Of)
{
    /// <summary>The provider of <see cref="Potential"/>; null for a core key.</summary>
    public IEpisodeStateProvider? PotentialProvider { get; init; }

    /// <inheritdoc />
    public override IEnumerable<IEpisodeStateProvider> StateProviders =>
        PotentialProvider is null ? base.StateProviders : base.StateProviders.Append(PotentialProvider);

    /// <inheritdoc />
    public override string Kind => "shaping";

    /// <inheritdoc />
    protected override double? Combine(IReadOnlyList<double?> inputs, CombinatorInput input)
    {
        var before = Scale * input.Facts.Before.Get(Potential);
        var after = input.Facts.Ends ? 0 : Scale * input.Facts.After.Get(Potential);
        return (SumPresent(inputs) ?? 0) + RewardTransforms.Shaping(Gamma, before, after);
    }
}
