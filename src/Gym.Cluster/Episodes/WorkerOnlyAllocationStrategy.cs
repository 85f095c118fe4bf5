using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Gym.Cluster.Episodes;

/// <summary>
/// Sharding's own allocation strategy (least shards first, with its rebalancing), told to leave out
/// the head's region when the head hosts no episodes. The head always runs a region with the worker
/// role so that sharding's coordinator singleton — on the oldest node of that role — stays on the
/// head, which every worker joins and which outlives them; this keeps its shards empty. When no other
/// region is left (every worker lost), the head takes the shards so the run can still finish.
/// </summary>
public sealed class WorkerOnlyAllocationStrategy(IShardAllocationStrategy inner, bool excludeHead)
    : IShardAllocationStrategy, IActorSystemDependentAllocationStrategy, IStartableAllocationStrategy
{
    /// <inheritdoc />
    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations) =>
        inner.AllocateShard(requester, shardId, Eligible(currentShardAllocations));

    /// <inheritdoc />
    public async Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        var eligible = Eligible(currentShardAllocations);
        return eligible.Count == currentShardAllocations.Count || eligible.Count > 0
            ? await inner.Rebalance(eligible, rebalanceInProgress).ConfigureAwait(false)
            : ImmutableHashSet<string>.Empty;
    }

    /// <inheritdoc />
    public void Start(ActorSystem system)
    {
        if (inner is IActorSystemDependentAllocationStrategy dependent)
        {
            dependent.Start(system);
        }
    }

    /// <inheritdoc />
    public void Start()
    {
        if (inner is IStartableAllocationStrategy startable)
        {
            startable.Start();
        }
    }

    private IImmutableDictionary<IActorRef, IImmutableList<string>> Eligible(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        if (!excludeHead)
        {
            return allocations;
        }

        // The coordinator runs on the head, so the head's own region is the one with a local address.
        var workers = allocations.Where(a => !a.Key.Path.Address.HasLocalScope).ToImmutableDictionary(a => a.Key, a => a.Value);
        return workers.Count > 0 ? workers : allocations;
    }
}
