using Gym.Cluster.Episodes;
using Gym.Cluster.Sessions;

namespace Gym.Cluster.Hosting;

/// <summary>
/// The head of <c>gym serve --cluster</c>: founds the cluster and opens each server session as a
/// sharded entity (keyed by session id) on a worker node — or on the head too, unless it hosts none —
/// through <see cref="Sessions"/>. The HTTP/WebSocket server itself runs on the head.
/// </summary>
public sealed class ClusterSessionHead : IAsyncDisposable
{
    private readonly Akka.Actor.IActorRef _region;

    private ClusterSessionHead(ClusterNode node, Akka.Actor.IActorRef region)
    {
        Node = node;
        _region = region;
        Sessions = new ClusterSessionClient(node.System, region);
    }

    /// <summary>The node.</summary>
    public ClusterNode Node { get; }

    /// <summary>Opens sessions on the cluster's nodes.</summary>
    public ClusterSessionClient Sessions { get; }

    /// <summary>Starts a head that serves sessions.</summary>
    /// <param name="options">Where to listen.</param>
    /// <param name="environments">How this node loads sessions' environments, when it hosts sessions.</param>
    /// <param name="localSessions">Whether the head hosts sessions too.</param>
    /// <param name="refused">Told of each node refused for its version.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<ClusterSessionHead> StartAsync(ClusterNodeOptions options, IEnvironmentSource environments, bool localSessions, Action<string>? refused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Always the worker role too, as for runs: sharding's coordinator singleton must live on the head.
        string[] roles = [ClusterNode.HeadRole, ClusterNode.WorkerRole];
        var node = await ClusterNode.StartAsync(options with { SeedNodes = [] }, roles, refused).ConfigureAwait(false);
        try
        {
            await node.WaitUntilUpAsync(cancellationToken).ConfigureAwait(false);
            var region = await node.StartSessionRegionAsync(environments, hostsSessions: localSessions).ConfigureAwait(false);
            return new ClusterSessionHead(node, region);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until <paramref name="workers"/> worker nodes host sessions, reporting each change of the count.</summary>
    public Task WaitForWorkersAsync(int workers, Action<int> joined, CancellationToken cancellationToken) =>
        Node.WaitForWorkersAsync(_region, workers, joined, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
