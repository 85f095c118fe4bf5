namespace Gym.Runtime.Policies;

/// <summary>How the policy gateway forms batches.</summary>
/// <param name="MaxBatchSize">Most requests in one policy call.</param>
/// <param name="MaxBatchWait">
/// How long the first request of a batch may wait for company. Zero (the default) flushes as soon as
/// the gateway's mailbox has no more requests queued, which batches under load without adding latency.
/// </param>
/// <param name="MaxConcurrentBatches">Policy calls in flight at once per run.</param>
public sealed record PolicyGatewayOptions(int MaxBatchSize = 64, TimeSpan MaxBatchWait = default, int MaxConcurrentBatches = 4)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (MaxBatchSize < 1)
        {
            throw new ArgumentException($"max batch size must be at least 1 (got {MaxBatchSize})");
        }

        if (MaxBatchWait < TimeSpan.Zero)
        {
            throw new ArgumentException($"max batch wait must not be negative (got {MaxBatchWait})");
        }

        if (MaxConcurrentBatches < 1)
        {
            throw new ArgumentException($"max concurrent batches must be at least 1 (got {MaxConcurrentBatches})");
        }
    }
}
