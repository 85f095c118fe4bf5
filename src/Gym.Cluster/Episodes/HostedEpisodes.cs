namespace Gym.Cluster.Episodes;

/// <summary>Counts the episode tries a node has started, so a worker can say how much it did and when it first got work.</summary>
public sealed class HostedEpisodes
{
    private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _started;

    /// <summary>Episode tries started on this node.</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Completes when this node starts its first episode try (a late joiner's first work arrives by a shard handed over to it).</summary>
    public Task FirstStarted => _firstStarted.Task;

    /// <summary>Counts one more.</summary>
    public void Add()
    {
        if (Interlocked.Increment(ref _started) == 1)
        {
            _firstStarted.TrySetResult();
        }
    }
}
