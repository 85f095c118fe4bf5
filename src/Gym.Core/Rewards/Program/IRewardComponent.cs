namespace Gym.Core.Rewards;

/// <summary>When a component scores.</summary>
public enum RewardScope
{
    /// <summary>Every turn.</summary>
    Turn,
    /// <summary>When a stage closes: an answer, or the end of the episode without one.</summary>
    Episode,
}

/// <summary>
/// One reward component: a name, a scope, a process/outcome tag and a weight; it appends its terms
/// for a turn. Components are stateless and shared by every episode; what an episode has done so far
/// is in <see cref="TurnFacts.State"/>.
/// </summary>
public interface IRewardComponent
{
    /// <summary>The component's name in breakdowns; unique within a program.</summary>
    string Name { get; }

    /// <summary>Process or outcome.</summary>
    RewardKind Kind { get; }

    /// <summary>Turn or episode.</summary>
    RewardScope Scope { get; }

    /// <summary>The weight of its terms; 0 reports them as metrics only.</summary>
    double Weight { get; }

    /// <summary>The state providers this component reads (through <see cref="TurnFacts.State"/>); the program tracks them for it.</summary>
    IReadOnlyList<IEpisodeStateProvider> StateProviders => [];

    /// <summary>Appends this component's terms for the turn to <paramref name="terms"/> (usually one, named <see cref="Name"/>).</summary>
    ValueTask ScoreAsync(TurnEvent turn, TurnFacts facts, IList<RewardTerm> terms, CancellationToken cancellationToken);
}

/// <summary>A component whose value is computed synchronously, as one term per turn it scores.</summary>
public abstract class SimpleRewardComponent(string name, RewardKind kind, RewardScope scope, double weight) : IRewardComponent
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public RewardKind Kind { get; } = kind;

    /// <inheritdoc />
    public RewardScope Scope { get; } = scope;

    /// <inheritdoc />
    public double Weight { get; } = weight;

    /// <inheritdoc />
    public virtual IReadOnlyList<IEpisodeStateProvider> StateProviders => [];

    /// <inheritdoc />
    public ValueTask ScoreAsync(TurnEvent turn, TurnFacts facts, IList<RewardTerm> terms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(terms);
        terms.Add(new RewardTerm(Name, Kind, Score(turn, facts), Weight));
        return ValueTask.CompletedTask;
    }

    /// <summary>The raw value for the turn.</summary>
    protected abstract double Score(TurnEvent turn, TurnFacts facts);
}
