using Gym.Core.Episodes;
using Gym.Core.Parsing;

namespace Gym.Server.Sessions;

/// <summary>How a session's client talks to it.</summary>
public enum SessionTransport
{
    /// <summary>Plain HTTP: the session lives until DELETE or idle expiry.</summary>
    Http,

    /// <summary>One WebSocket connection: the session lives as long as the connection.</summary>
    WebSocket,
}

/// <summary>Why a session ended.</summary>
public enum SessionCloseReason
{
    /// <summary>The client closed it (DELETE, a close message, or a WebSocket close).</summary>
    Client,

    /// <summary>It was idle longer than the idle timeout.</summary>
    Expired,

    /// <summary>Its WebSocket connection dropped without a close.</summary>
    Disconnected,

    /// <summary>The environment did not answer within the step timeout.</summary>
    Timeout,

    /// <summary>The server stopped.</summary>
    Shutdown,
}

/// <summary>The names of <see cref="SessionCloseReason"/> values in metrics and messages.</summary>
public static class SessionCloseReasons
{
    /// <summary>The snake_case name.</summary>
    public static string Name(SessionCloseReason reason) => reason switch
    {
        SessionCloseReason.Client => "client",
        SessionCloseReason.Expired => "expired",
        SessionCloseReason.Disconnected => "disconnected",
        SessionCloseReason.Timeout => "timeout",
        _ => "shutdown",
    };
}

/// <summary>A session as the <c>state</c> message and <c>GET /sessions/{id}</c> describe it.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="EnvironmentId">The environment (or scenario) id.</param>
/// <param name="Transport">HTTP or WebSocket.</param>
/// <param name="Status">Where the episode stands.</param>
/// <param name="Episode">The current episode's index in this session (-1 before the first reset).</param>
/// <param name="Seed">The current episode's seed.</param>
/// <param name="Attempt">The current episode's attempt.</param>
/// <param name="Turn">Steps taken in the current episode.</param>
/// <param name="MaxTurns">The environment's turn limit.</param>
/// <param name="EpisodeReward">The sum of the current episode's rewards.</param>
/// <param name="Terminated">Whether the last step terminated the episode.</param>
/// <param name="Truncated">Whether the last step truncated the episode.</param>
/// <param name="StopReason">Why the episode stopped, or none.</param>
/// <param name="IdleSeconds">Seconds since the session's last request.</param>
public sealed record SessionSnapshot(
    string SessionId,
    string EnvironmentId,
    SessionTransport Transport,
    SessionStatus Status,
    int Episode,
    long Seed,
    int Attempt,
    int Turn,
    int MaxTurns,
    double EpisodeReward,
    bool Terminated,
    bool Truncated,
    StopReason StopReason,
    double IdleSeconds);

/// <summary>The answer to a reset.</summary>
/// <param name="State">The session after the reset.</param>
/// <param name="Result">The first observation and info.</param>
/// <param name="Tools">The episode's tools and action parser, when its environment lists them (a task source).</param>
public sealed record ResetOutcome(SessionSnapshot State, ResetResult Result, EpisodeTools? Tools = null);

/// <summary>The answer to a step.</summary>
/// <param name="State">The session after the step.</param>
/// <param name="Result">The environment's step result.</param>
/// <param name="Assistant">
/// The action played, as a structured assistant message (its tool calls with ids <c>call_TURN_INDEX</c>),
/// when the environment lists its tools; null otherwise.
/// </param>
/// <param name="PlayedText">
/// The text the environment read, when the action came as an assistant message (its content followed by its
/// calls in the environment's action format), so a client that keeps a text conversation can show it; null
/// for a text action, whose text the client sent.
/// </param>
public sealed record StepOutcome(SessionSnapshot State, StepResult Result, StructuredMessage? Assistant = null, string? PlayedText = null);
