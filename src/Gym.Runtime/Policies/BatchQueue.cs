namespace Gym.Runtime.Policies;

/// <summary>
/// Pure batching logic for one run: queued requests, batches in flight, and whether a flush is
/// already scheduled. The gateway actor only turns its decisions into messages and policy calls.
/// </summary>
/// <typeparam name="T">A queued request with its reply address.</typeparam>
public sealed class BatchQueue<T>(PolicyGatewayOptions options)
{
    private readonly Queue<T> _queue = new();

    /// <summary>Requests waiting for a batch.</summary>
    public int Pending => _queue.Count;

    /// <summary>Policy calls in flight.</summary>
    public int InFlight { get; private set; }

    /// <summary>Whether a flush is scheduled.</summary>
    public bool FlushScheduled { get; private set; }

    /// <summary>Queues a request; returns true when the caller should schedule a flush now.</summary>
    public bool Enqueue(T item)
    {
        _queue.Enqueue(item);
        if (FlushScheduled || _queue.Count >= options.MaxBatchSize)
        {
            return false;
        }

        FlushScheduled = true;
        return true;
    }

    /// <summary>Whether a full batch is waiting and a call slot is free: flush without waiting.</summary>
    public bool HasFullBatch => _queue.Count >= options.MaxBatchSize && InFlight < options.MaxConcurrentBatches;

    /// <summary>Takes the batches that may start now (at most the free call slots), marking them in flight.</summary>
    public IReadOnlyList<IReadOnlyList<T>> TakeBatches()
    {
        FlushScheduled = false;
        var batches = new List<IReadOnlyList<T>>();
        while (_queue.Count > 0 && InFlight < options.MaxConcurrentBatches)
        {
            var size = Math.Min(options.MaxBatchSize, _queue.Count);
            var batch = new T[size];
            for (var i = 0; i < size; i++)
            {
                batch[i] = _queue.Dequeue();
            }

            batches.Add(batch);
            InFlight++;
        }

        return batches;
    }

    /// <summary>Marks one batch finished.</summary>
    public void Completed() => InFlight--;
}
