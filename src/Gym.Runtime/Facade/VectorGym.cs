using Akka.Actor;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Seeding;

namespace Gym.Runtime.Facade;

/// <summary>How a vectorized gym restarts finished episodes.</summary>
public enum AutoresetMode
{
    /// <summary>
    /// Gymnasium ≥ 1.0's default: the step after an episode ends resets that slot, ignores its
    /// action, and returns the new first observation with reward 0 and both flags false.
    /// </summary>
    NextStep,
}

/// <summary>One slot's result from <see cref="VectorGym.StepAsync"/>.</summary>
/// <param name="Result">The step, or for an autoreset slot the new episode's first observation as a step with reward 0.</param>
/// <param name="AutoReset">Whether this slot was reset instead of stepped (its action was ignored).</param>
/// <param name="Seed">The seed of the episode this slot is in after the call.</param>
public sealed record VectorStep(StepResult Result, bool AutoReset, long Seed);

/// <summary>
/// A vectorized gym for C# training loops: N copies of an environment, each hosted by its own
/// actor, reset and stepped as a batch through an async API. Autoreset is
/// <see cref="AutoresetMode.NextStep"/>. Slot i's k-th episode has the seed
/// <c>Derive(Derive(seed, "vector", i), "episode", k)</c>, so runs are reproducible whatever the scheduling.
/// </summary>
public sealed class VectorGym : IAsyncDisposable
{
    private static long _instances;
    private readonly IActorRef[] _slots;
    private readonly bool[] _needsReset;
    private readonly long[] _episodeCount;
    private readonly long[] _currentSeed;
    private long _baseSeed;
    private bool _wasReset;

    private VectorGym(ActorSystem system, IReadOnlyList<IEnvironment> environments, TimeSpan timeout)
    {
        Timeout = timeout;
        var name = $"vector-gym-{Interlocked.Increment(ref _instances)}";
        _slots = [.. environments.Select((environment, i) => system.ActorOf(EnvironmentActor.Props(environment), $"{name}-slot-{i}"))];
        _needsReset = new bool[environments.Count];
        _episodeCount = new long[environments.Count];
        _currentSeed = new long[environments.Count];
        EnvironmentId = environments[0].Id;
    }

    /// <summary>Number of slots.</summary>
    public int Count => _slots.Length;

    /// <summary>The environment id.</summary>
    public string EnvironmentId { get; }

    /// <summary>The autoreset mode, stated explicitly: <see cref="AutoresetMode.NextStep"/>.</summary>
    public AutoresetMode AutoresetMode { get; } = AutoresetMode.NextStep;

    /// <summary>How long one reset or step of one slot may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Creates <paramref name="count"/> copies of a registered environment.</summary>
    public static VectorGym Create(ActorSystem system, EnvironmentRegistry registry, string environmentId, int count, IReadOnlyDictionary<string, string>? parameters = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(registry);
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"a vector gym needs at least one environment (got {count})");
        }

        var environments = new IEnvironment[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                // Parameters are read afresh for each copy so unknown keys are still reported.
                environments[i] = registry.Make(environmentId, parameters is null ? null : new EnvironmentParameters(parameters));
            }
        }
        catch
        {
            foreach (var made in environments)
            {
                made?.Dispose();
            }

            throw;
        }

        // From here each slot's actor owns its environment and disposes it when it stops.
        return new VectorGym(system, environments, timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Resets every slot; slot i gets the seed derived from (<paramref name="seed"/>, i).</summary>
    public async Task<IReadOnlyList<ResetResult>> ResetAsync(long seed, CancellationToken cancellationToken = default)
    {
        _baseSeed = seed;
        var resets = new Task<ResetResult>[_slots.Length];
        for (var i = 0; i < _slots.Length; i++)
        {
            _episodeCount[i] = 0;
            _needsReset[i] = false;
            _currentSeed[i] = SeedOf(i, 0);
            resets[i] = _slots[i].Ask<ResetResult>(new ResetEnvironment(_currentSeed[i]), Timeout, cancellationToken);
        }

        var results = await Task.WhenAll(resets).ConfigureAwait(false);
        _wasReset = true;
        return results;
    }

    /// <summary>Steps every slot with its action; slots whose episode ended on the previous call are reset instead.</summary>
    public async Task<IReadOnlyList<VectorStep>> StepAsync(IReadOnlyList<AgentAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (!_wasReset)
        {
            throw new InvalidOperationException("call ResetAsync before StepAsync");
        }

        if (actions.Count != _slots.Length)
        {
            throw new ArgumentException($"expected {_slots.Length} actions, one per slot (got {actions.Count})", nameof(actions));
        }

        var pending = new Task<VectorStep>[_slots.Length];
        for (var i = 0; i < _slots.Length; i++)
        {
            pending[i] = _needsReset[i] ? AutoResetAsync(i, cancellationToken) : StepSlotAsync(i, actions[i], cancellationToken);
        }

        var results = await Task.WhenAll(pending).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            _needsReset[i] = results[i].Result.IsDone;
        }

        return results;
    }

    /// <summary>Stops every slot; each slot's actor disposes its environment as it stops, before this completes.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_slots.Select(slot => slot.GracefulStop(Timeout))).ConfigureAwait(false);
    }

    private async Task<VectorStep> StepSlotAsync(int slot, AgentAction action, CancellationToken cancellationToken)
    {
        var step = await _slots[slot].Ask<StepResult>(new StepEnvironment(action), Timeout, cancellationToken).ConfigureAwait(false);
        return new VectorStep(step, false, _currentSeed[slot]);
    }

    private async Task<VectorStep> AutoResetAsync(int slot, CancellationToken cancellationToken)
    {
        _episodeCount[slot]++;
        _currentSeed[slot] = SeedOf(slot, _episodeCount[slot]);
        var reset = await _slots[slot].Ask<ResetResult>(new ResetEnvironment(_currentSeed[slot]), Timeout, cancellationToken).ConfigureAwait(false);
        var step = new StepResult(reset.Observation, 0, RewardBreakdown.Empty, false, false, StopReason.None, reset.Info.With("autoreset", true), []);
        return new VectorStep(step, true, _currentSeed[slot]);
    }

    private long SeedOf(int slot, long episode) => SeededRandom.Derive(SeededRandom.Derive(_baseSeed, "vector", slot), "episode", episode);
}
