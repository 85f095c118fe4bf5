namespace Gym.Core.Episodes;

/// <summary>
/// A multi-turn text environment with Gymnasium's contract: <see cref="ResetAsync(long, CancellationToken)"/> starts an
/// episode from a seed, <see cref="StepAsync"/> applies one action. Implementations must be
/// deterministic: the same seed and the same actions give identical results, and a malformed
/// action yields a penalty and an explanatory observation, never an exception.
/// </summary>
/// <remarks>
/// <para>
/// Lifetime: an environment has exactly one owner, whoever made it (the runtime's episode actor for
/// its episode, the server for a session, the vector gym for its slots, a <c>using</c> in a caller),
/// and that owner disposes it when it is done, whether the episode ended, failed or was cancelled.
/// A wrapper (distractors, multi-objective, sequence, a task-source environment) owns what it wraps
/// and disposes it. Resources shared by many environments (a scenario's reward program and judge, a
/// search index loaded once per process) are not the environment's: their own owner disposes them.
/// </para>
/// <para>
/// The disposal contract every environment honours: <see cref="IDisposable.Dispose"/> may be called
/// any number of times (the second call does nothing), and after it the environment must not be used.
/// The library's environments then throw <see cref="ObjectDisposedException"/> from
/// <see cref="ResetAsync(long, CancellationToken)"/> and <see cref="StepAsync"/>; an environment that
/// holds nothing may keep the default, empty <see cref="IDisposable.Dispose"/> and keep working, so
/// callers must not rely on either behaviour.
/// </para>
/// </remarks>
public interface IEnvironment : IDisposable
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

    /// <summary>Releases what the environment holds; the default holds nothing and does nothing. Safe to call more than once.</summary>
    void IDisposable.Dispose() => GC.SuppressFinalize(this);
}
