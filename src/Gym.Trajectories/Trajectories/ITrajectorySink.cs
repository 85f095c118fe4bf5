namespace Gym.Core.Trajectories;

/// <summary>
/// Where finished episodes go: a rollout file, memory, a learner. Episodes may be written
/// concurrently and in any order; a sink that needs an order (a file) restores it itself.
/// </summary>
public interface ITrajectorySink : IAsyncDisposable
{
    /// <summary>
    /// Hands one episode to the sink. May wait for room (backpressure). Throws an
    /// <see cref="IOException"/> when an earlier write failed, so a failure is never lost.
    /// </summary>
    /// <param name="record">The episode; each episode index is written at most once.</param>
    /// <param name="cancellationToken">Stops waiting for room; a cancelled write leaves the sink usable.</param>
    ValueTask WriteAsync(EpisodeRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Flushes everything accepted so far and closes the sink; later writes are refused.
    /// Idempotent, and safe to call after the run was cancelled: it still writes every episode
    /// that was handed over. Throws an <see cref="IOException"/> when any write failed.
    /// </summary>
    /// <param name="cancellationToken">Stops the caller's wait only: the flush itself always runs to the end.</param>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
