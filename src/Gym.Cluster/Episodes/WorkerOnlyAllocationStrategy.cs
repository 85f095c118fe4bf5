using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Gym.Cluster.Episodes;

/// <summary>
/// Sharding's allocation plug-in: a new shard goes to the region with the fewest shards, and every
/// rebalance round moves one shard from the fullest region to the emptiest when they differ by two or
/// more (how a late joiner gets work; sharding hands the shard over and the head replays its episodes).
/// With <c>excludeHead</c> the head's own region is left out: the head always runs a region with the
/// worker role so that sharding's coordinator singleton — on the oldest node of that role — stays on
/// the head, which every worker joins and which outlives them. When no other region is left (every
/// worker lost), the head takes the shards so the run can still finish. Without <c>rebalances</c>
/// shards stay where they were allocated (server sessions, whose state cannot move).
/// </summary>
public sealed class WorkerOnlyAllocationStrategy(bool excludeHead, bool rebalances = true) : IShardAllocationStrategy
{
    /// <inheritdoc />
    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        ArgumentNullException.ThrowIfNull(currentShardAllocations);
        var eligible = Eligible(currentShardAllocations);
        var target = eligible.Count == 0 ? requester : eligible.MinBy(a => a.Value.Count).Key;
        return Task.FromResult(target);
    }

    /// <inheritdoc />
    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        ArgumentNullException.ThrowIfNull(currentShardAllocations);
        ArgumentNullException.ThrowIfNull(rebalanceInProgress);
        var eligible = Eligible(currentShardAllocations);
        IImmutableSet<string> none = ImmutableHashSet<string>.Empty;
        if (!rebalances || rebalanceInProgress.Count > 0 || eligible.Count < 2)
        {
            return Task.FromResult(none);
        }

        var fullest = eligible.MaxBy(a => a.Value.Count).Value;
        var emptiest = eligible.MinBy(a => a.Value.Count).Value;
        return Task.FromResult(fullest.Count - emptiest.Count >= 2 ? ImmutableHashSet.Create(fullest[0]) : none);
    }

    private List<KeyValuePair<IActorRef, IImmutableList<string>>> Eligible(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        // Ordered by path, so that equal counts always pick the same region.
        var all = allocations.OrderBy(a => a.Key.Path.ToString(), StringComparer.Ordinal).ToList();
        if (!excludeHead)
        {
            return all;
        }

        // The coordinator runs on the head, so the head's own region is the one with a local address.
        var workers = all.Where(a => !a.Key.Path.Address.HasLocalScope).ToList();
        return workers.Count > 0 ? workers : all;
    }
}
