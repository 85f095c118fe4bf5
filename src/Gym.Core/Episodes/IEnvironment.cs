namespace Gym.Core.Episodes;

/// <summary>
/// A multi-turn text environment with Gymnasium's contract: <see cref="ResetAsync(long, CancellationToken)"/> starts an
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

    /// <summary>
    /// Starts attempt <paramref name="attempt"/> at the task of <paramref name="seed"/>: every attempt
    /// gets the same task, while the environment's own noise (tool faults, distractors) is drawn
    /// afresh per attempt, as repeated trials of one task (pass@k, pass^k, GRPO groups) need.
    /// Attempt 0 is exactly <see cref="ResetAsync(long, CancellationToken)"/>.
    /// </summary>
    ValueTask<ResetResult> ResetAsync(long seed, int attempt, CancellationToken cancellationToken = default) => ResetAsync(seed, cancellationToken);

    /// <summary>The seed of an attempt's environment noise: the task seed itself for attempt 0.</summary>
    static long NoiseSeed(long seed, int attempt) => attempt == 0 ? seed : Seeding.SeededRandom.Derive(seed, "attempt", attempt);

    /// <summary>Applies one action. Throws <see cref="InvalidOperationException"/> only when called before reset or after the episode ended.</summary>
    ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default);
}
