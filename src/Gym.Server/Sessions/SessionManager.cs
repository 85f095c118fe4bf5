using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Gym.Core.Registry;
using Gym.Runtime.Facade;
using Gym.Server.Metrics;
using Gym.Server.Protocol;

namespace Gym.Server.Sessions;

/// <summary>
/// Opens, finds and closes sessions over the served environments: enforces the session limit,
/// expires idle sessions (<see cref="ExpireIdle"/>, called by a timer) and closes everything on
/// shutdown. Each session's environment lives in its own <see cref="EnvironmentActor"/>.
/// </summary>
public sealed class SessionManager
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ActorSystem _system;
    private readonly EnvironmentRegistry _registry;
    private readonly HashSet<string> _served;
    private readonly ISessionHost? _host;
    private long _ordinal = -1;
    private int _count;
    private volatile bool _stopping;

    /// <summary>Creates a manager serving <paramref name="environmentIds"/> from <paramref name="registry"/>.</summary>
    /// <param name="system">The actor system that hosts sessions' environments (without <paramref name="host"/>).</param>
    /// <param name="registry">The served environments.</param>
    /// <param name="environmentIds">The served ids.</param>
    /// <param name="options">The limits.</param>
    /// <param name="metrics">The counters.</param>
    /// <param name="time">The clock of idle expiry.</param>
    /// <param name="host">Where sessions' environments live instead (the cluster), or null for <paramref name="system"/>.</param>
    public SessionManager(ActorSystem system, EnvironmentRegistry registry, IReadOnlyList<string> environmentIds, SessionManagerOptions options, ServerMetrics metrics, TimeProvider? time = null, ISessionHost? host = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(environmentIds);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        options.Validate();
        if (environmentIds.Count == 0)
        {
            throw new ArgumentException("serve at least one environment or scenario", nameof(environmentIds));
        }

        foreach (var id in environmentIds)
        {
            registry.Get(id);
        }

        _system = system;
        _registry = registry;
        EnvironmentIds = [.. environmentIds.Distinct(StringComparer.Ordinal)];
        _served = new HashSet<string>(EnvironmentIds, StringComparer.Ordinal);
        Options = options;
        Metrics = metrics;
        Time = time ?? TimeProvider.System;
        _host = host;
    }

    /// <summary>The served environment and scenario ids, in the order given.</summary>
    public IReadOnlyList<string> EnvironmentIds { get; }

    /// <summary>The limits.</summary>
    public SessionManagerOptions Options { get; }

    /// <summary>The counters.</summary>
    public ServerMetrics Metrics { get; }

    /// <summary>The clock of idle expiry.</summary>
    public TimeProvider Time { get; }

    /// <summary>Sessions open now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether <see cref="Shutdown"/> has begun.</summary>
    public bool IsStopping => _stopping;

    /// <summary>The descriptors of the served environments.</summary>
    public IEnumerable<EnvironmentDescriptor> Descriptors => EnvironmentIds.Select(_registry.Get);

    /// <summary>
    /// Opens a session. Fails with <c>unknown_environment</c>, <c>invalid_parameters</c>,
    /// <c>too_many_sessions</c> or <c>shutting_down</c>.
    /// </summary>
    public Session Create(string? environmentId, IReadOnlyDictionary<string, string> parameters, SessionTransport transport)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_stopping)
        {
            throw new ServerErrorException(ServerError.ShuttingDown);
        }

        var id = ResolveId(environmentId);
        // Reserve a place first, so that concurrent creations can never overshoot the limit.
        if (Interlocked.Increment(ref _count) > Options.MaxSessions)
        {
            Interlocked.Decrement(ref _count);
            Metrics.SessionRejected();
            throw new ServerErrorException(ServerError.TooManySessions(Options.MaxSessions));
        }

        try
        {
            var environment = MakeEnvironment(id, parameters);
            var sessionId = NewSessionId();
            if (_host is not null)
            {
                return Register(OpenHosted(environment, sessionId, id, parameters, transport));
            }

            IActorRef actor;
            try
            {
                // The session's actor owns the environment and disposes it when the session closes
                // (by the client, by idle expiry or at shutdown) and the actor stops.
                actor = _system.ActorOf(EnvironmentActor.Props(environment), $"session-{sessionId}");
            }
            catch
            {
                environment.Dispose();
                throw;
            }

            return Register(new Session(this, sessionId, id, environment.MaxTurns, Interlocked.Increment(ref _ordinal), actor, transport, environment as Core.Episodes.ITaskSource));
        }
        catch
        {
            Interlocked.Decrement(ref _count);
            throw;
        }
    }

    private Session Register(Session session)
    {
        _sessions[session.Id] = session;
        Metrics.SessionCreated();
        return session;
    }

    // The environment built here checked the parameters; it stays only when the session's tools come from it.
    private Session OpenHosted(Core.Episodes.IEnvironment environment, string sessionId, string id, IReadOnlyDictionary<string, string> parameters, SessionTransport transport)
    {
        var tasks = environment as Core.Episodes.ITaskSource;
        var maxTurns = environment.MaxTurns;
        if (tasks is null)
        {
            environment.Dispose();
        }

        IHostedEnvironment hosted;
        try
        {
            hosted = _host!.Open(sessionId, id, parameters);
        }
        catch
        {
            if (tasks is not null)
            {
                environment.Dispose();
            }

            throw;
        }

        return new Session(this, sessionId, id, maxTurns, Interlocked.Increment(ref _ordinal), hosted, tasks is null ? null : environment, transport, tasks);
    }

    /// <summary>Finds an open session or fails with <c>session_not_found</c>.</summary>
    public Session Get(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var session) && session.CloseReason is null
            ? session
            : throw new ServerErrorException(ServerError.SessionNotFound(sessionId));

    /// <summary>Closes a session; false when it was already closed.</summary>
    public bool Close(Session session, SessionCloseReason reason)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.TryClose(reason, _system))
        {
            return false;
        }

        _sessions.TryRemove(session.Id, out _);
        Interlocked.Decrement(ref _count);
        Metrics.SessionClosed(reason);
        return true;
    }

    /// <summary>Closes every session idle for longer than the idle timeout; returns how many.</summary>
    public int ExpireIdle()
    {
        if (Options.IdleTimeout == TimeSpan.Zero)
        {
            return 0;
        }

        var expired = 0;
        foreach (var session in _sessions.Values)
        {
            if (Time.GetElapsedTime(session.LastActive) > Options.IdleTimeout && Close(session, SessionCloseReason.Expired))
            {
                expired++;
            }
        }

        return expired;
    }

    /// <summary>Refuses new sessions and closes every open one.</summary>
    public void Shutdown()
    {
        _stopping = true;
        foreach (var session in _sessions.Values)
        {
            Close(session, SessionCloseReason.Shutdown);
        }
    }

    private string ResolveId(string? environmentId)
    {
        if (environmentId is null)
        {
            return EnvironmentIds.Count == 1
                ? EnvironmentIds[0]
                : throw new ServerErrorException(ServerError.InvalidRequest($"this server serves several environments; say which with 'env_id': {string.Join(", ", EnvironmentIds)}"));
        }

        if (_served.Contains(environmentId))
        {
            return environmentId;
        }

        var nearest = EnvironmentIds.OrderBy(k => EnvironmentRegistry.EditDistance(k, environmentId)).ThenBy(k => k, StringComparer.Ordinal).First();
        throw new ServerErrorException(ServerError.UnknownEnvironment($"this server does not serve '{environmentId}'; did you mean '{nearest}'? (GET /scenarios lists them)"));
    }

    private Core.Episodes.IEnvironment MakeEnvironment(string id, IReadOnlyDictionary<string, string> parameters)
    {
        try
        {
            return _registry.Make(id, new EnvironmentParameters(parameters));
        }
        catch (EnvironmentParameterException ex)
        {
            throw new ServerErrorException(ServerError.InvalidParameters(ex.Message));
        }
    }

    // Unguessable, so that one client cannot step another's session by counting.
    private static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
