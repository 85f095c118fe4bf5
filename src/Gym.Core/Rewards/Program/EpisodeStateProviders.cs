namespace Gym.Core.Rewards;

/// <summary>One episode-state key, as milestone conditions and shaping potentials name it.</summary>
/// <param name="Name">The key, lower-case with underscores, like <c>gold_retrieved</c>.</param>
/// <param name="Description">What it counts.</param>
public sealed record StateKey(string Name, string Description);

/// <summary>
/// Contributes episode-state keys beyond the core ones (turns, tool calls, stages, …): a module that
/// knows more about its tasks (a search environment knows which documents were retrieved) registers a
/// provider, and its keys become usable in milestone conditions and shaping potentials. A reward
/// program starts a tracker only for the providers its components and combinators read.
/// </summary>
public interface IEpisodeStateProvider
{
    /// <summary>A short name for error messages and docs, like <c>search</c>.</summary>
    string Name { get; }

    /// <summary>The keys this provider writes, in documentation order.</summary>
    IReadOnlyList<StateKey> Keys { get; }

    /// <summary>Starts tracking one episode.</summary>
    IEpisodeStateTracker Begin(TaskReference reference);
}

/// <summary>One episode's running state for one provider.</summary>
public interface IEpisodeStateTracker
{
    /// <summary>
    /// Advances by one turn, in order, before any component scores it, and writes the value of every one
    /// of the provider's keys into <paramref name="values"/>. Everything read must come from the turn
    /// (and earlier turns), so re-scoring a recorded episode computes the same values.
    /// </summary>
    void Apply(TurnEvent turn, StageReference stage, IDictionary<string, double> values);
}

/// <summary>
/// The state keys known to a registry: the core keys every episode has, then those of each registered
/// <see cref="IEpisodeStateProvider"/>. Conditions and potentials resolve their keys here, so an unknown
/// key is an error when a scenario is validated, with a suggestion.
/// </summary>
public sealed class StateKeyCatalog
{
    private readonly List<IEpisodeStateProvider> _providers = [];
    private readonly Dictionary<string, IEpisodeStateProvider?> _owners = new(StringComparer.Ordinal);
    private readonly bool _frozen;

    /// <summary>A catalog of the core keys only.</summary>
    public StateKeyCatalog()
    {
        foreach (var key in StateValues.CoreKeys)
        {
            _owners.Add(key.Name, null);
        }
    }

    private StateKeyCatalog(bool frozen)
        : this() => _frozen = frozen;

    /// <summary>The core keys only; providers cannot be added to it.</summary>
    public static StateKeyCatalog Core { get; } = new(frozen: true);

    /// <summary>The registered providers, in registration order.</summary>
    public IReadOnlyList<IEpisodeStateProvider> Providers => _providers;

    /// <summary>Every key: the core ones, then each provider's.</summary>
    public IEnumerable<StateKey> Keys => StateValues.CoreKeys.Concat(_providers.SelectMany(p => p.Keys));

    /// <summary>The key names, comma-separated, for messages.</summary>
    public string KeyList => string.Join(", ", Keys.Select(k => k.Name));

    /// <summary>Adds a provider; a key another provider (or the core) already has is an error.</summary>
    public StateKeyCatalog Add(IEpisodeStateProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (_frozen)
        {
            throw new InvalidOperationException("the core state-key catalog is shared and read-only; add providers to a registry's own catalog");
        }

        foreach (var key in provider.Keys)
        {
            if (_owners.TryGetValue(key.Name, out var owner))
            {
                throw new ArgumentException($"state key '{key.Name}' of provider '{provider.Name}' is already defined by {(owner is null ? "the core" : $"provider '{owner.Name}'")}", nameof(provider));
            }
        }

        foreach (var key in provider.Keys)
        {
            _owners.Add(key.Name, provider);
        }

        _providers.Add(provider);
        return this;
    }

    /// <summary>Resolves a key: true when known, with its provider (null for a core key).</summary>
    public bool TryResolve(string key, out IEpisodeStateProvider? provider) => _owners.TryGetValue(key, out provider);
}
