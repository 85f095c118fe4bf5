namespace Gym.Core.Rewards;

/// <summary>
/// A reward specification ready to score episodes: components, and optionally a combinator tree.
/// Without a tree the scalar reward is the weighted sum of every component's terms. With one, the
/// components' terms are kept in the breakdown as metrics (weight 0, raw value visible) and one
/// more term, <see cref="CombinedTerm"/>, carries the tree's value, so the breakdown still sums to
/// the reward. Immutable and shared; <see cref="Begin"/> starts one episode's scoring.
/// </summary>
/// <remarks>
/// The program owns its components: <see cref="Dispose"/> disposes those that are disposable (a
/// rubric's LLM judge, with its HTTP client and reply cache). Environments that score with a program
/// only borrow it; whoever built it (a scenario) disposes it once no episode uses it any more.
/// </remarks>
public sealed class RewardProgram : IDisposable
{
    /// <summary>The name of the term that carries a combinator tree's value.</summary>
    public const string CombinedTerm = "combined";

    /// <summary>Creates a program; component names must be unique, and with a tree every component it names must exist and every weighted component must be used.</summary>
    public RewardProgram(IReadOnlyList<IRewardComponent> components, RewardCombinator? combine = null)
    {
        ArgumentNullException.ThrowIfNull(components);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in components)
        {
            if (!names.Add(component.Name))
            {
                throw new ArgumentException($"two reward components are named '{component.Name}'; give one a different name", nameof(components));
            }
        }

        if (combine is not null)
        {
            var used = combine.ComponentNames.ToHashSet(StringComparer.Ordinal);
            var unknown = used.FirstOrDefault(n => !names.Contains(n));
            if (unknown is not null)
            {
                throw new ArgumentException($"the combinator tree reads component '{unknown}', which is not declared (declared: {string.Join(", ", names)})", nameof(combine));
            }

            var unused = components.FirstOrDefault(c => c.Weight != 0 && !used.Contains(c.Name));
            if (unused is not null)
            {
                throw new ArgumentException($"component '{unused.Name}' has weight {unused.Weight} but the combinator tree does not read it; add it to a combinator's 'of' or give it weight 0 to keep it as a metric", nameof(combine));
            }

            if (names.Contains(CombinedTerm))
            {
                throw new ArgumentException($"'{CombinedTerm}' is reserved for the combinator tree's term; rename that component", nameof(components));
            }
        }

        Components = components;
        Combine = combine;
        StateProviders = [.. components.SelectMany(c => c.StateProviders).Concat(combine?.StateProviders ?? []).Distinct()];
    }

    /// <summary>The state providers the components and the tree read; each episode runs one tracker per provider.</summary>
    public IReadOnlyList<IEpisodeStateProvider> StateProviders { get; }

    /// <summary>The components, in declaration order (which is their order in breakdowns).</summary>
    public IReadOnlyList<IRewardComponent> Components { get; }

    /// <summary>The combinator tree, or null for the plain weighted sum.</summary>
    public RewardCombinator? Combine { get; }

    /// <summary>Disposes the components that are disposable, each once; later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        List<Exception>? failures = null;
        foreach (var component in Components)
        {
            try
            {
                (component as IDisposable)?.Dispose();
            }
#pragma warning disable CA1031 // one component's failure must not keep the others' files and connections open
            catch (Exception ex)
#pragma warning restore CA1031
            {
                (failures ??= []).Add(ex);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("disposing the reward program's components failed", failures);
        }
    }

    private int _disposed;

    /// <summary>Starts scoring one episode.</summary>
    public RewardEpisode Begin(TaskReference reference, string taskPrompt) => new(this, new RewardEpisodeState(reference, taskPrompt, StateProviders));
}

/// <summary>One episode's scoring: feed it every turn in order.</summary>
public sealed class RewardEpisode
{
    private readonly RewardProgram _program;
    private readonly List<RewardTerm> _scratch = [];

    internal RewardEpisode(RewardProgram program, RewardEpisodeState state)
    {
        _program = program;
        State = state;
    }

    /// <summary>The episode's running state.</summary>
    public RewardEpisodeState State { get; }

    /// <summary>Scores one turn: returns its terms in component order (plus the combined term with a tree).</summary>
    public async ValueTask<IReadOnlyList<RewardTerm>> ScoreAsync(TurnEvent turn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var facts = State.Apply(turn);
        var terms = new List<RewardTerm>(_program.Components.Count + 1);
        Dictionary<string, double>? values = _program.Combine is null ? null : new(StringComparer.Ordinal);
        foreach (var component in _program.Components)
        {
            if (component.Scope == RewardScope.Episode && !turn.ClosesStage)
            {
                continue;
            }

            _scratch.Clear();
            await component.ScoreAsync(turn, facts, _scratch, cancellationToken).ConfigureAwait(false);
            if (values is null)
            {
                terms.AddRange(_scratch);
                continue;
            }

            var sum = 0.0;
            foreach (var term in _scratch)
            {
                sum += term.Value;
                terms.Add(term with { Weight = 0 });
            }

            values[component.Name] = sum;
        }

        if (values is not null && _program.Combine!.Evaluate(new CombinatorInput(values, facts)) is { } combined)
        {
            var kind = _program.Components.Any(c => c.Kind == RewardKind.Outcome && values.ContainsKey(c.Name)) ? RewardKind.Outcome : RewardKind.Process;
            terms.Add(new RewardTerm(RewardProgram.CombinedTerm, kind, combined, 1));
        }

        return terms;
    }
}
