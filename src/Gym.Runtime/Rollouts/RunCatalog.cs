using System.Collections.Concurrent;
using Gym.Core.Policies;
using Gym.Core.Trajectories;

namespace Gym.Runtime.Rollouts;

/// <summary>Receives each episode as soon as it has been written to the sink.</summary>
public interface IRolloutObserver
{
    /// <summary>Called once per finished, failed or cancelled episode, from an actor thread: must be quick and thread-safe.</summary>
    void OnEpisode(EpisodeRecord record);
}

/// <summary>The in-process services a run uses: its policy, its sink and its observer.</summary>
/// <param name="Policy">Chooses actions for the run's episodes.</param>
/// <param name="Sink">Receives finished episodes.</param>
/// <param name="Observer">Sees every episode, for progress and summaries.</param>
public sealed record RunResources(IPolicy Policy, ITrajectorySink Sink, IRolloutObserver? Observer);

/// <summary>
/// Maps run ids to their services. Actor messages carry only the run id, never service references,
/// so they stay plain serializable data (ready for Akka.Remote and cluster sharding).
/// </summary>
public sealed class RunCatalog
{
    private readonly ConcurrentDictionary<string, RunResources> _runs = new(StringComparer.Ordinal);
    private long _next;

    /// <summary>Registers a run and returns its new id.</summary>
    public string Add(RunResources resources)
    {
        var id = $"run-{Interlocked.Increment(ref _next)}";
        _runs[id] = resources;
        return id;
    }

    /// <summary>The services of a run.</summary>
    public RunResources Get(string runId) =>
        _runs.TryGetValue(runId, out var resources) ? resources : throw new KeyNotFoundException($"run '{runId}' is not registered");

    /// <summary>Forgets a finished run.</summary>
    public void Remove(string runId) => _runs.TryRemove(runId, out _);
}
