using System.Diagnostics;
using Akka.Actor;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Seeding;
using Gym.Runtime.Facade;
using Gym.Server.Protocol;

namespace Gym.Server.Sessions;

/// <summary>
/// One client's session: an environment hosted by its own <see cref="EnvironmentActor"/>, the pure
/// <see cref="EpisodeState"/> of its episode, and a gate that serializes the client's requests so
/// the state always matches the environment. Created and closed by the <see cref="SessionManager"/>.
/// </summary>
// The gate and the close token are never disposed: neither allocates a wait handle or timer here, and a
// request may still hold or wait on them when the session closes, so disposing them would race.
#pragma warning disable CA1001
public sealed class Session
#pragma warning restore CA1001
{
    private readonly SessionManager _manager;
    private readonly IActorRef? _actor;
    private readonly IHostedEnvironment? _hosted;
    private readonly IDisposable? _localCopy;
    private readonly long _ordinal;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EpisodeState _state = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly ITaskSource? _tasks;
    private EpisodeTools? _tools;
    private long _lastActive;
    private int _closeReason = -1;

    internal Session(SessionManager manager, string id, string environmentId, int maxTurns, long ordinal, IActorRef actor, SessionTransport transport, ITaskSource? tasks = null)
        : this(manager, id, environmentId, maxTurns, ordinal, transport, tasks)
    {
        _actor = actor;
    }

    /// <summary>A session whose environment lives in <paramref name="hosted"/>; <paramref name="localCopy"/> (the head's own copy, for tools) is disposed at close.</summary>
    internal Session(SessionManager manager, string id, string environmentId, int maxTurns, long ordinal, IHostedEnvironment hosted, IDisposable? localCopy, SessionTransport transport, ITaskSource? tasks)
        : this(manager, id, environmentId, maxTurns, ordinal, transport, tasks)
    {
        _hosted = hosted;
        _localCopy = localCopy;
    }

    private Session(SessionManager manager, string id, string environmentId, int maxTurns, long ordinal, SessionTransport transport, ITaskSource? tasks)
    {
        _tasks = tasks;
        _manager = manager;
        Id = id;
        EnvironmentId = environmentId;
        MaxTurns = maxTurns;
        _ordinal = ordinal;
        Transport = transport;
        Touch();
    }

    /// <summary>The session id.</summary>
    public string Id { get; }

    /// <summary>The environment (or scenario) id.</summary>
    public string EnvironmentId { get; }

    /// <summary>The environment's turn limit.</summary>
    public int MaxTurns { get; }

    /// <summary>HTTP or WebSocket.</summary>
    public SessionTransport Transport { get; }

    /// <summary>Cancelled when the session is closed, for whatever reason.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Why the session was closed, or null while it is open.</summary>
    public SessionCloseReason? CloseReason => Volatile.Read(ref _closeReason) is var r and >= 0 ? (SessionCloseReason)r : null;

    /// <summary>The <see cref="TimeProvider"/> timestamp of the last request.</summary>
    internal long LastActive => Interlocked.Read(ref _lastActive);

    /// <summary>Starts a new episode: with the request's seed, or one derived from the server seed, this session and its episode count.</summary>
    public async Task<ResetOutcome> ResetAsync(ResetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var seed = request.Seed ?? SeededRandom.Derive(SeededRandom.Derive(_manager.Options.Seed, "session", _ordinal), "episode", _state.Episode + 1);
            var result = await AskAsync(
                new ResetEnvironment(seed, request.Attempt),
                (hosted, timeout, token) => hosted.ResetAsync(seed, request.Attempt, timeout, token)).ConfigureAwait(false);
            _state.OnReset(seed, request.Attempt);
            _manager.Metrics.Reset();

            // Tasks are a pure function of the seed: the episode's tools are those of the task the seed makes.
            _tools = _tasks is null ? null : TaskSourceToolSource.Of(_tasks, seed);
            return new ResetOutcome(SnapshotLocked(0), result, _tools);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Applies one action; fails with <c>not_reset</c>, <c>episode_done</c> or <c>episode_failed</c> when no episode is running.</summary>
    public async Task<StepOutcome> StepAsync(StepRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state.StepError is { } error)
            {
                throw new ServerErrorException(error);
            }

            var action = Action(request);
            var start = Stopwatch.GetTimestamp();
            var result = await AskAsync(
                new StepEnvironment(action),
                (hosted, timeout, token) => hosted.StepAsync(action, timeout, token)).ConfigureAwait(false);
            _state.OnStep(result);
            _manager.Metrics.Step(Stopwatch.GetTimestamp() - start, result.IsDone);
            var state = SnapshotLocked(0);
            var assistant = _tools is null ? null : StructuredChat.Assistant(action.Text, state.Turn - 1, _tools.Parser);
            return new StepOutcome(state, result, assistant, request.Structured is null ? null : action.Text);
        }
        finally
        {
            Leave();
        }
    }

    // A structured action is written in the environment's own action format, so the environment reads back exactly its calls.
    private AgentAction Action(StepRequest request)
    {
        if (request.Structured is not { } structured)
        {
            return request.Action;
        }

        if (_tools is null)
        {
            throw new ServerErrorException(ServerError.InvalidRequest($"{EnvironmentId} does not list its tools, so it cannot take an action as a message with tool_calls; send the model's text"));
        }

        try
        {
            return request.Action with { Text = StructuredChat.ToActionText(structured.Content, structured.Calls, _tools.Parser) };
        }
        catch (StructuredActionException ex)
        {
            throw new ServerErrorException(ServerError.InvalidRequest($"action.{ex.Message}"));
        }
    }

    /// <summary>Describes the session (with how long it had been idle before this call); waits for a request in flight so the answer is consistent.</summary>
    public async Task<SessionSnapshot> StateAsync(CancellationToken cancellationToken = default)
    {
        var idle = _manager.Time.GetElapsedTime(LastActive).TotalSeconds;
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return SnapshotLocked(idle);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Marks the session closed (first reason wins) and stops its actor; false when it was already closed.</summary>
    internal bool TryClose(SessionCloseReason reason, ActorSystem system)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
        {
            return false;
        }

        _closed.Cancel();
        if (_actor is not null)
        {
            system.Stop(_actor);
        }

        _hosted?.Close();
        _localCopy?.Dispose();
        return true;
    }

    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        Touch();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (CloseReason is not null)
        {
            _gate.Release();
            ThrowIfClosed();
        }

        if (_hosted?.Error is { } error)
        {
            _gate.Release();
            throw new ServerErrorException(error);
        }
    }

    private void Leave()
    {
        Touch();
        _gate.Release();
    }

    private void ThrowIfClosed()
    {
        if (CloseReason is { } reason)
        {
            throw new ServerErrorException(reason == SessionCloseReason.Shutdown ? ServerError.ShuttingDown : ServerError.SessionNotFound(Id));
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastActive, _manager.Time.GetTimestamp());

    // The client's cancellation is not passed on: a step the environment has started is awaited to its
    // end (bounded by the step timeout) so that the episode state never falls behind the environment.
    private async Task<T> AskAsync<T>(object message, Func<IHostedEnvironment, TimeSpan, CancellationToken, Task<T>> hostedCall)
    {
        var timeout = _manager.Options.StepTimeout;
        try
        {
            return _hosted is not null
                ? await hostedCall(_hosted, timeout, _closed.Token).ConfigureAwait(false)
                : await _actor!.Ask<T>(message, timeout, _closed.Token).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            _manager.Close(this, SessionCloseReason.Timeout);
            throw new ServerErrorException(ServerError.Timeout(timeout));
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            ThrowIfClosed();
            throw;
        }
        catch (Exception ex) when (ex is not ServerErrorException)
        {
            // The environment threw (EnvironmentActor answers Status.Failure): the episode cannot go on.
            _state.OnFailure();
            throw new ServerErrorException(ServerError.EnvironmentFailed(ex.Message));
        }
    }

    private SessionSnapshot SnapshotLocked(double idleSeconds) => new(
        Id,
        EnvironmentId,
        Transport,
        _state.Status,
        _state.Episode,
        _state.Seed,
        _state.Attempt,
        _state.Turn,
        MaxTurns,
        _state.EpisodeReward,
        _state.Terminated,
        _state.Truncated,
        _state.StopReason,
        idleSeconds);
}
