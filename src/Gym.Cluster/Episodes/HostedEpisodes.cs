namespace Gym.Cluster.Episodes;

/// <summary>Counts the episode tries a node has started, so a worker can say how much it did.</summary>
public sealed class HostedEpisodes
{
    private long _started;

    /// <summary>Episode tries started on this node.</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Counts one more.</summary>
    public void Add() => Interlocked.Increment(ref _started);
}
