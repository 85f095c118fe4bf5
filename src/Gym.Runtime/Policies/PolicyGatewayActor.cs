using Akka.Actor;
using Gym.Core;
using Gym.Core.Policies;
using Gym.Runtime.Rollouts;

namespace Gym.Runtime.Policies;

/// <summary>
/// Micro-batches action requests from many episode actors into one policy call per batch, per run.
/// A batch goes out when it is full, or when the first request has waited
/// <see cref="PolicyGatewayOptions.MaxBatchWait"/> (zero: as soon as the mailbox holds no more
/// requests). Each requester gets its own action back; a failed call fails every request in it.
/// </summary>
public sealed class PolicyGatewayActor : UntypedActor, IWithTimers
{
    private readonly RunCatalog _catalog;
    private readonly PolicyGatewayOptions _options;
    private readonly Dictionary<string, RunQueue> _queues = new(StringComparer.Ordinal);
    private IActorRef _self = ActorRefs.Nobody;
    private long _calls;
    private long _requests;
    private int _largestBatch;

    /// <summary>Creates the gateway; prefer <see cref="Props"/>.</summary>
    public PolicyGatewayActor(RunCatalog catalog, PolicyGatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _catalog = catalog;
        _options = options;
    }

    /// <summary>Counts of calls and requests so far, for tests and benchmarks.</summary>
    public GatewayStats Stats => new(_calls, _requests, _largestBatch);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the gateway.</summary>
    public static Props Props(RunCatalog catalog, PolicyGatewayOptions options) =>
        Akka.Actor.Props.Create(() => new PolicyGatewayActor(catalog, options));

    /// <inheritdoc />
    protected override void PreStart() => _self = Self;

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RequestAction request:
                OnRequest(request, Sender);
                break;
            case Flush flush:
                Dispatch(flush.RunId);
                break;
            case BatchDone done:
                OnBatchDone(done);
                break;
            case GetGatewayStats:
                Sender.Tell(Stats, _self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnRequest(RequestAction request, IActorRef sender)
    {
        if (!_queues.TryGetValue(request.RunId, out var queue))
        {
            queue = new RunQueue(_options, new Flush(request.RunId));
            _queues[request.RunId] = queue;
        }

        if (queue.Batches.Enqueue(new Pending(sender, request.Request, request.Ticket)))
        {
            if (_options.MaxBatchWait <= TimeSpan.Zero)
            {
                _self.Tell(queue.Flush, _self);
            }
            else
            {
                Timers.StartSingleTimer(request.RunId, queue.Flush, _options.MaxBatchWait);
            }
        }

        if (queue.Batches.HasFullBatch)
        {
            Dispatch(request.RunId);
        }
    }

    private void Dispatch(string runId)
    {
        if (!_queues.TryGetValue(runId, out var queue))
        {
            return;
        }

        foreach (var batch in queue.Batches.TakeBatches())
        {
            Call(runId, batch);
        }

        if (queue.Batches.Pending == 0 && queue.Batches.InFlight == 0)
        {
            _queues.Remove(runId);
        }
    }

    private void Call(string runId, IReadOnlyList<Pending> batch)
    {
        _calls++;
        _requests += batch.Count;
        _largestBatch = Math.Max(_largestBatch, batch.Count);
        ValueTask<IReadOnlyList<AgentAction>> pending;
        try
        {
            var requests = new PolicyRequest[batch.Count];
            for (var i = 0; i < requests.Length; i++)
            {
                requests[i] = batch[i].Request;
            }

            pending = _catalog.Get(runId).Policy.ActAsync(requests, CancellationToken.None);
        }
        catch (Exception ex)
        {
            OnBatchDone(new BatchDone(runId, batch, null, ex));
            return;
        }

        if (pending.IsCompletedSuccessfully)
        {
            OnBatchDone(new BatchDone(runId, batch, pending.Result, null));
            return;
        }

        pending.AsTask().PipeTo(_self, success: actions => new BatchDone(runId, batch, actions, null), failure: ex => new BatchDone(runId, batch, null, ex));
    }

    private void OnBatchDone(BatchDone done)
    {
        if (_queues.TryGetValue(done.RunId, out var queue))
        {
            queue.Batches.Completed();
        }

        var error = done.Error is not null ? $"{done.Error.GetType().Name}: {done.Error.Message}"
            : done.Actions is null || done.Actions.Count != done.Batch.Count ? $"the policy returned {done.Actions?.Count ?? 0} actions for {done.Batch.Count} requests"
            : null;
        for (var i = 0; i < done.Batch.Count; i++)
        {
            var pending = done.Batch[i];
            object reply = error is null ? new ActionChosen(done.Actions![i]) { Ticket = pending.Ticket } : new ActionFailed(error) { Ticket = pending.Ticket };
            pending.ReplyTo.Tell(reply, _self);
        }

        Dispatch(done.RunId);
    }

    private sealed record Pending(IActorRef ReplyTo, PolicyRequest Request, long Ticket);

    /// <summary>A run's batching state and its (immutable, reusable) flush message.</summary>
    private sealed class RunQueue(PolicyGatewayOptions options, Flush flush)
    {
        public BatchQueue<Pending> Batches { get; } = new(options);

        public Flush Flush { get; } = flush;
    }

    private sealed record Flush(string RunId);

    private sealed record BatchDone(string RunId, IReadOnlyList<Pending> Batch, IReadOnlyList<AgentAction>? Actions, Exception? Error);
}

/// <summary>Asks the gateway for its <see cref="GatewayStats"/>.</summary>
public sealed record GetGatewayStats
{
    /// <summary>The message.</summary>
    public static GetGatewayStats Instance { get; } = new();
}

/// <summary>How the gateway has batched so far.</summary>
/// <param name="Calls">Policy calls made.</param>
/// <param name="Requests">Action requests served.</param>
/// <param name="LargestBatch">The largest batch sent.</param>
public sealed record GatewayStats(long Calls, long Requests, int LargestBatch);
