using Akka.Actor;
using Gym.Cluster.Episodes;
using Gym.Cluster.Rollouts;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Sinks;

namespace Gym.Cluster.Hosting;

/// <summary>
/// The head of a cluster run: founds the cluster, owns the policy (behind the same
/// <see cref="PolicyGatewayActor"/> a single process uses, which batches requests from every node)
/// and the trajectory sink, and plans runs on a <see cref="ClusterCoordinatorActor"/> whose episodes
/// are sharded entities on the worker nodes (and on the head too, unless it hosts none).
/// </summary>
public sealed class ClusterHead : IAsyncDisposable
{
    private readonly ClusterNode _node;
    private readonly IActorRef _region;

    private ClusterHead(ClusterNode node, IActorRef region, RolloutRunner runner)
    {
        _node = node;
        _region = region;
        Runner = runner;
    }

    /// <summary>The edge that plays runs, as <see cref="Runtime.Hosting.GymRuntimeHost.Runner"/> does in one process.</summary>
    public RolloutRunner Runner { get; }

    /// <summary>The node.</summary>
    public ClusterNode Node => _node;

    /// <summary>Starts a head.</summary>
    /// <param name="options">Where to listen.</param>
    /// <param name="source">The environment id or scenario path every node loads.</param>
    /// <param name="environments">How this node loads it, when it hosts episodes.</param>
    /// <param name="localEpisodes">Whether the head hosts episodes too.</param>
    /// <param name="gateway">How the policy gateway batches.</param>
    /// <param name="refused">Told of each node refused for its version.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<ClusterHead> StartAsync(
        ClusterNodeOptions options,
        string source,
        IEnvironmentSource environments,
        bool localEpisodes,
        PolicyGatewayOptions gateway,
        Action<string>? refused,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gateway);
        gateway.Validate();
        // Always the worker role too: sharding's coordinator singleton lives on the oldest worker-role
        // node, and it must be the head, which outlives the workers (WorkerOnlyAllocationStrategy).
        string[] roles = [ClusterNode.HeadRole, ClusterNode.WorkerRole];
        var node = await ClusterNode.StartAsync(options with { SeedNodes = [] }, roles, refused).ConfigureAwait(false);
        try
        {
            await node.WaitUntilUpAsync(cancellationToken).ConfigureAwait(false);
            var catalog = new RunCatalog();
            var system = node.System;
            var gatewayActor = system.ActorOf(PolicyGatewayActor.Props(catalog, gateway), "policy-gateway");
            var trajectories = system.ActorOf(TrajectorySinkActor.Props(catalog), "trajectories");
            var region = await node.StartEpisodeRegionAsync(environments, hostsEpisodes: localEpisodes).ConfigureAwait(false);
            var coordinator = system.ActorOf(ClusterCoordinatorActor.Props(source, catalog, region, gatewayActor, trajectories), "coordinator");
            return new ClusterHead(node, region, new RolloutRunner(_ => Task.FromResult(coordinator), catalog));
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until <paramref name="workers"/> worker nodes host episodes — their shard regions have
    /// registered with sharding's coordinator — reporting each change of the count.
    /// </summary>
    public Task WaitForWorkersAsync(int workers, Action<int> joined, CancellationToken cancellationToken) =>
        _node.WaitForWorkersAsync(_region, workers, joined, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
