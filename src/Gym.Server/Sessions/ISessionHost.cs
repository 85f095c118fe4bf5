using Gym.Core;
using Gym.Core.Episodes;

namespace Gym.Server.Sessions;

/// <summary>
/// Where sessions' environments live when not in this process's own actors: <c>gym serve --cluster</c>
/// hosts each one as a sharded entity on a cluster node. The manager still builds each session's
/// environment here once, to check its parameters and to read its turn limit and tools, but never
/// resets or steps that copy.
/// </summary>
public interface ISessionHost
{
    /// <summary>Starts hosting session <paramref name="sessionId"/>'s environment; returns at once (opening completes before its first request is answered).</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="environmentId">The served environment (or scenario) id.</param>
    /// <param name="parameters">The session's parameters, already checked.</param>
    IHostedEnvironment Open(string sessionId, string environmentId, IReadOnlyDictionary<string, string> parameters);
}

/// <summary>
/// One session's environment hosted elsewhere. Requests throw <see cref="Protocol.ServerErrorException"/>
/// for errors of the host itself (<c>session_lost</c>), <see cref="Akka.Actor.AskTimeoutException"/>
/// past the timeout, and any other exception when the environment failed.
/// </summary>
public interface IHostedEnvironment
{
    /// <summary>An error every request of the session answers from now on (the host lost the environment: <c>session_lost</c>), or null.</summary>
    Protocol.ServerError? Error { get; }

    /// <summary>Resets the environment.</summary>
    Task<ResetResult> ResetAsync(long seed, int attempt, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Steps the environment.</summary>
    Task<StepResult> StepAsync(AgentAction action, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Stops hosting the environment; safe to call more than once.</summary>
    void Close();
}
