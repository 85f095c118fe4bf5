using Akka.Actor;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Runtime.Rollouts;

namespace Gym.Runtime.Policies;

/// <summary>
/// Micro-batches action requests from many episode actors into one policy call per batch, per run.
/// A batch goes out when it is full, or when the first request has waited
/// <see cref="PolicyGatewayOptions.MaxBatchWait"/> (zero: as soon as the mailbox holds no more
/// requests). Each requester gets its own action back; a failed call fails every request in it.
/// </summary>
public sealed class PolicyGatewayActor : ReceiveActor, IWithTimers
{
    private readonly RunCatalog _catalog;
    private readonly PolicyGatewayOptions _options;
    private readonly Dictionary<string, BatchQueue<Pending>> _queues = new(StringComparer.Ordinal);

    /// <summary>Creates the gateway; prefer <see cref="Props"/>.</summary>
    public PolicyGatewayActor(RunCatalog catalog, PolicyGatewayOptions options)
    {
        options.Validate();
        _catalog = catalog;
        _options = options;
        Receive<RequestAction>(OnRequest);
        Receive<Flush>(flush => Dispatch(flush.RunId));
        Receive<BatchDone>(OnBatchDone);
        Receive<GetGatewayStats>(_ => Sender.Tell(Stats));
    }

    /// <summary>Counts of calls and requests so far, for tests and benchmarks.</summary>
    public GatewayStats Stats { get; private set; } = new(0, 0, 0);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the gateway.</summary>
    public static Props Props(RunCatalog catalog, PolicyGatewayOptions options) =>
        Akka.Actor.Props.Create(() => new PolicyGatewayActor(catalog, options));

    private void OnRequest(RequestAction request)
    {
        if (!_queues.TryGetValue(request.RunId, out var queue))
        {
            queue = new BatchQueue<Pending>(_options);
            _queues[request.RunId] = queue;
        }

        if (queue.Enqueue(new Pending(Sender, request.Request)))
        {
            if (_options.MaxBatchWait <= TimeSpan.Zero)
            {
                Self.Tell(new Flush(request.RunId));
            }
            else
            {
                Timers.StartSingleTimer(request.RunId, new Flush(request.RunId), _options.MaxBatchWait);
            }
        }

        if (queue.HasFullBatch)
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

        foreach (var batch in queue.TakeBatches())
        {
            Call(runId, batch);
        }

        if (queue.Pending == 0 && queue.InFlight == 0)
        {
            _queues.Remove(runId);
        }
    }

    private void Call(string runId, IReadOnlyList<Pending> batch)
    {
        Stats = Stats with { Calls = Stats.Calls + 1, Requests = Stats.Requests + batch.Count, LargestBatch = Math.Max(Stats.LargestBatch, batch.Count) };
        ValueTask<IReadOnlyList<AgentAction>> pending;
        try
        {
            pending = _catalog.Get(runId).Policy.ActAsync([.. batch.Select(p => p.Request)], CancellationToken.None);
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

        pending.AsTask().PipeTo(Self, success: actions => new BatchDone(runId, batch, actions, null), failure: ex => new BatchDone(runId, batch, null, ex));
    }

    private void OnBatchDone(BatchDone done)
    {
        if (_queues.TryGetValue(done.RunId, out var queue))
        {
            queue.Completed();
        }

        var error = done.Error is not null ? $"{done.Error.GetType().Name}: {done.Error.Message}"
            : done.Actions is null || done.Actions.Count != done.Batch.Count ? $"the policy returned {done.Actions?.Count ?? 0} actions for {done.Batch.Count} requests"
            : null;
        for (var i = 0; i < done.Batch.Count; i++)
        {
            done.Batch[i].ReplyTo.Tell(error is null ? new ActionChosen(done.Actions![i]) : new ActionFailed(error));
        }

        Dispatch(done.RunId);
    }

    private sealed record Pending(IActorRef ReplyTo, PolicyRequest Request);

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
