using Akka.Actor;
using Gym.Cluster.Wire;
using Gym.Core;
using Gym.Core.Episodes;

namespace Gym.Cluster.Sessions;

/// <summary>
/// The head's handle on one server session whose environment is a sharded entity on some node:
/// opens it through the shard region, then sends resets and steps to the entity directly and watches
/// it. When the entity's node is lost (downed after the failure detector and the split-brain
/// resolver gave up on it, or left), pending and later requests fail with
/// <see cref="SessionLostException"/> instead of waiting.
/// </summary>
// The token sources are never disposed: requests and the watch may still hold their tokens when the
// session closes, and neither allocates a wait handle or timer here.
#pragma warning disable CA1001
public sealed class RemoteSession
#pragma warning restore CA1001
{
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly Task<IActorRef> _opened;
    private string? _lostNode;

    private static readonly TimeSpan OpenRetry = TimeSpan.FromSeconds(2);

    private readonly IActorRef _watcher;

    internal RemoteSession(IActorRef region, IActorRef watcher, OpenServerSession open, TimeSpan openTimeout)
    {
        Id = open.SessionId;
        _watcher = watcher;
        _opened = OpenAsync(region, open, openTimeout);
    }

    /// <summary>The session id (the entity id).</summary>
    public string Id { get; }

    /// <summary>Whether the session's node has been lost.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Once <see cref="IsLost"/>, the error that says so; null before.</summary>
    public SessionLostException? LostError => IsLost ? Lost() : null;

    /// <summary>Resets the environment; throws <see cref="SessionLostException"/>, <see cref="RemoteEnvironmentException"/> or <see cref="AskTimeoutException"/>.</summary>
    public async Task<ResetResult> ResetAsync(long seed, int attempt, TimeSpan timeout, CancellationToken cancellationToken) =>
        await AskAsync(new ResetServerSession(seed, attempt), timeout, cancellationToken).ConfigureAwait(false) switch
        {
            ServerSessionReset reset => reset.Result,
            var other => throw Unexpected(other),
        };

    /// <summary>Steps the environment; throws as <see cref="ResetAsync"/> does.</summary>
    public async Task<StepResult> StepAsync(AgentAction action, TimeSpan timeout, CancellationToken cancellationToken) =>
        await AskAsync(new StepServerSession(action), timeout, cancellationToken).ConfigureAwait(false) switch
        {
            ServerSessionStepped stepped => stepped.Result,
            var other => throw Unexpected(other),
        };

    /// <summary>Stops the entity (disposing its environment) and the watch; safe to call more than once.</summary>
    public void Close()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        _closed.Cancel();
        // Still opening: close the entity as soon as it exists.
        _ = _opened.ContinueWith(
            t =>
            {
                _watcher.Tell(new SessionWatchActor.Unwatch(t.Result));
                t.Result.Tell(CloseServerSession.Instance);
            },
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task<object> AskAsync(object request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ThrowIfLost();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
        try
        {
            var entity = await _opened.WaitAsync(timeout, linked.Token).ConfigureAwait(false);
            var reply = await entity.Ask<object>(request, timeout, linked.Token).ConfigureAwait(false);
            return reply is ServerSessionFailed failed ? throw new RemoteEnvironmentException(failed.Error) : reply;
        }
        catch (OperationCanceledException) when (_lost.IsCancellationRequested)
        {
            throw Lost();
        }
        catch (TimeoutException) when (!_opened.IsCompleted)
        {
            throw new AskTimeoutException($"no node opened session {Id} within {timeout.TotalSeconds} s");
        }
    }

    private async Task<IActorRef> OpenAsync(IActorRef region, OpenServerSession open, TimeSpan timeout)
    {
        // An order sent to a node that dies before answering is gone with it, so it is sent again
        // every 2 s: once sharding has moved the shard to a surviving node, the order opens it there
        // (an entity that already has its environment just answers again).
        var deadline = DateTime.UtcNow + timeout;
        object reply;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            try
            {
                reply = await region.Ask<object>(open, left < OpenRetry ? left : OpenRetry).ConfigureAwait(false);
                break;
            }
            catch (AskTimeoutException) when (deadline - DateTime.UtcNow > TimeSpan.Zero)
            {
            }
        }

        if (reply is ServerSessionFailed failed)
        {
            throw new RemoteEnvironmentException(failed.Error);
        }

        var entity = ((ServerSessionOpened)reply).Entity;
        _watcher.Tell(new SessionWatchActor.Watch(entity, () =>
        {
            if (!_closed.IsCancellationRequested)
            {
                var address = entity.Path.Address;
                _lostNode = $"{address.Host}:{address.Port}";
                _lost.Cancel();
            }
        }));
        return entity;
    }

    private void ThrowIfLost()
    {
        if (_lost.IsCancellationRequested)
        {
            throw Lost();
        }
    }

    private SessionLostException Lost() => new(Id, _lostNode ?? "unknown");

    private static InvalidOperationException Unexpected(object reply) => new($"unexpected answer {reply.GetType().Name} from a session entity");
}

/// <summary>The node hosting a server session was lost; the session cannot go on.</summary>
/// <param name="sessionId">The session.</param>
/// <param name="node">The lost node's <c>host:port</c>.</param>
public sealed class SessionLostException(string sessionId, string node)
    : Exception($"the cluster node {node} that hosted session '{sessionId}' was lost (it stopped or became unreachable); its episode cannot continue: open a new session")
{
    /// <summary>The lost node's <c>host:port</c>.</summary>
    public string Node { get; } = node;
}

/// <summary>The session's node could not load its environment, or the environment threw.</summary>
/// <param name="message">What went wrong, as the node reported it.</param>
public sealed class RemoteEnvironmentException(string message) : Exception(message);

/// <summary>Opens server sessions as sharded entities on the cluster's nodes.</summary>
public sealed class ClusterSessionClient
{
    private readonly IActorRef _region;
    private readonly IActorRef _watcher;

    /// <summary>Creates the client.</summary>
    /// <param name="system">The head's actor system, where the sessions' entities are watched.</param>
    /// <param name="region">The session shard region.</param>
    public ClusterSessionClient(ActorSystem system, IActorRef region)
    {
        ArgumentNullException.ThrowIfNull(system);
        _region = region;
        _watcher = system.ActorOf(Props.Create(() => new SessionWatchActor()), "session-watch");
    }

    /// <summary>Starts opening session <paramref name="sessionId"/> on whichever node sharding picks; returns at once.</summary>
    /// <param name="sessionId">The session id (the entity id).</param>
    /// <param name="source">The environment id or scenario path every node loads.</param>
    /// <param name="environmentId">The environment id within that source.</param>
    /// <param name="parameters">The session's parameters.</param>
    /// <param name="openTimeout">How long the first request waits for the node to open it.</param>
    public RemoteSession Open(string sessionId, string source, string environmentId, IReadOnlyDictionary<string, string> parameters, TimeSpan openTimeout) =>
        new(_region, _watcher, new OpenServerSession(sessionId, source, environmentId, parameters), openTimeout);
}

/// <summary>
/// Watches the head's open session entities with Akka's death watch, which reports a remote actor
/// terminated once its node is downed (the split-brain resolver's decision) or has left, and tells
/// the session's handle.
/// </summary>
internal sealed class SessionWatchActor : ReceiveActor
{
    private readonly Dictionary<IActorRef, Action> _watched = [];

    public SessionWatchActor()
    {
        Receive<Watch>(watch =>
        {
            _watched[watch.Entity] = watch.OnLost;
            Context.Watch(watch.Entity);
        });
        Receive<Unwatch>(unwatch =>
        {
            _watched.Remove(unwatch.Entity);
            Context.Unwatch(unwatch.Entity);
        });
        Receive<Terminated>(terminated =>
        {
            if (_watched.Remove(terminated.ActorRef, out var onLost))
            {
                onLost();
            }
        });
    }

    /// <summary>Watch an entity; <see cref="OnLost"/> runs when it terminates while watched.</summary>
    public sealed record Watch(IActorRef Entity, Action OnLost);

    /// <summary>Stop watching an entity (its session closed).</summary>
    public sealed record Unwatch(IActorRef Entity);
}
