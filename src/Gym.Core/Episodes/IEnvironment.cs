namespace Gym.Core.Episodes;

/// <summary>
/// A multi-turn text environment with Gymnasium's contract: <see cref="ResetAsync"/> starts an
/// episode from a seed, <see cref="StepAsync"/> applies one action. Implementations must be
/// deterministic: the same seed and the same actions give identical results, and a malformed
/// action yields a penalty and an explanatory observation, never an exception.
/// </summary>
public interface IEnvironment
{
    /// <summary>The registered id, e.g. <c>tool-use/arithmetic-v0</c>.</summary>
    string Id { get; }

    /// <summary>The turn limit after which an episode is truncated.</summary>
    int MaxTurns { get; }

    /// <summary>Starts a new episode whose every random choice derives from <paramref name="seed"/>.</summary>
    ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default);

    /// <summary>Applies one action. Throws <see cref="InvalidOperationException"/> only when called before reset or after the episode ended.</summary>
    ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default);
}
