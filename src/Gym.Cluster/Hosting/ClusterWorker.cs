using Gym.Cluster.Episodes;

namespace Gym.Cluster.Hosting;

/// <summary>How a worker's life ended.</summary>
public enum WorkerExit
{
    /// <summary>The head left the cluster (its run is over).</summary>
    HeadLeft,

    /// <summary>The worker was stopped (Ctrl+C, SIGTERM) and left the cluster.</summary>
    Stopped,

    /// <summary>The worker lost its cluster (the head became unreachable and the worker was downed).</summary>
    Lost,
}

/// <summary>
/// A worker node: joins the head, checks that it runs the same Gym version, then hosts episode
/// entities (loading their environments itself) until the head leaves or it is stopped.
/// </summary>
public static class ClusterWorker
{
    /// <summary>Runs a worker; throws <see cref="ClusterJoinException"/> when it cannot join.</summary>
    /// <param name="options">Whom to join and where to listen.</param>
    /// <param name="environments">How episodes' environments are loaded here.</param>
    /// <param name="joined">Told this node's endpoint once it hosts episodes.</param>
    /// <param name="cancellationToken">Stops the worker (it leaves the cluster gracefully).</param>
    /// <param name="firstEpisode">Told this node's endpoint when it starts its first episode try, if ever.</param>
    /// <returns>How the worker's life ended, and how many episode tries it started.</returns>
    public static async Task<(WorkerExit Exit, long Episodes)> RunAsync(ClusterNodeOptions options, IEnvironmentSource environments, Action<string> joined, CancellationToken cancellationToken, Action<string>? firstEpisode = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(joined);
        if (options.SeedNodes.Count == 0)
        {
            throw new ClusterConfigurationException("a worker needs the head's address: --join HOST:PORT (or Cluster:SeedNodes)");
        }

        await using var node = await ClusterNode.StartAsync(options, [ClusterNode.WorkerRole]).ConfigureAwait(false);
        try
        {
            await node.WaitUntilUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (WorkerExit.Stopped, 0);
        }

        // The head's version may be known only now that the node is up: check before taking any episode.
        var head = node.Cluster.State.Members.FirstOrDefault(m => m.HasRole(ClusterNode.HeadRole));
        if (head is not null && head.AppVersion.Version != options.Version)
        {
            throw node.MismatchError(head.AppVersion.Version);
        }

        await node.StartEpisodeRegionAsync(environments).ConfigureAwait(false);
        // The same worker serves 'gym serve --cluster' heads: their sessions are entities of their own type.
        await node.StartSessionRegionAsync(environments).ConfigureAwait(false);
        joined(node.Endpoint);
        if (firstEpisode is not null)
        {
            _ = node.Hosted.FirstStarted.ContinueWith(_ => firstEpisode(node.Endpoint), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }

        var stopped = Task.Delay(Timeout.Infinite, cancellationToken);
        var first = await Task.WhenAny(node.HeadGone, node.HeadVersionMismatch, node.System.WhenTerminated, stopped).ConfigureAwait(false);
        if (first == node.HeadVersionMismatch)
        {
            throw node.MismatchError(await node.HeadVersionMismatch.ConfigureAwait(false));
        }

        var exit = first == node.HeadGone ? WorkerExit.HeadLeft
            : first == stopped ? WorkerExit.Stopped
            : WorkerExit.Lost;
        return (exit, node.Hosted.Started);
    }
}
