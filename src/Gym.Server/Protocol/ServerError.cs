using System.Net;

namespace Gym.Server.Protocol;

/// <summary>
/// An error the server reports to a client: a stable machine-readable code, a human-readable
/// message, and the HTTP status it maps to. Sent as <c>{"error": {"code": …, "message": …}}</c>.
/// </summary>
/// <param name="Status">The HTTP status (WebSocket errors carry only the code and message).</param>
/// <param name="Code">A stable snake_case code, e.g. <c>session_not_found</c>.</param>
/// <param name="Message">What went wrong and what to do instead.</param>
public sealed record ServerError(HttpStatusCode Status, string Code, string Message)
{
    /// <summary>The body is not valid JSON.</summary>
    public static ServerError InvalidJson(string detail) => new(HttpStatusCode.BadRequest, "invalid_json", $"the body is not valid JSON: {detail}");

    /// <summary>The JSON is well-formed but a field is missing or has the wrong type or value.</summary>
    public static ServerError InvalidRequest(string message) => new(HttpStatusCode.BadRequest, "invalid_request", message);

    /// <summary>A WebSocket message whose <c>type</c> is not one of the protocol's.</summary>
    public static ServerError UnknownMessageType(string type) =>
        new(HttpStatusCode.BadRequest, "unknown_message_type", $"unknown message type '{type}'; expected one of reset, step, state, close");

    /// <summary>An environment id this server does not serve.</summary>
    public static ServerError UnknownEnvironment(string message) => new(HttpStatusCode.BadRequest, "unknown_environment", message);

    /// <summary>Environment parameters that are unknown, malformed or out of range.</summary>
    public static ServerError InvalidParameters(string message) => new(HttpStatusCode.BadRequest, "invalid_parameters", message);

    /// <summary>A plain HTTP request to the WebSocket endpoint.</summary>
    public static ServerError NotWebSocket { get; } = new(HttpStatusCode.BadRequest, "not_websocket", "this endpoint speaks WebSocket only: send an Upgrade: websocket request (or use the /sessions HTTP endpoints)");

    /// <summary>A missing or wrong bearer token.</summary>
    public static ServerError Unauthorized { get; } = new(HttpStatusCode.Unauthorized, "unauthorized", "missing or wrong API key: send the header 'Authorization: Bearer <key>'");

    /// <summary>No live session has this id (never created, closed, or expired).</summary>
    public static ServerError SessionNotFound(string id) =>
        new(HttpStatusCode.NotFound, "session_not_found", $"no session '{id}': it was never created, was closed, or expired after being idle");

    /// <summary>No endpoint at this path.</summary>
    public static ServerError NotFound(string path) => new(HttpStatusCode.NotFound, "not_found", $"no endpoint at '{path}'; see GET /scenarios, /health, /metrics and the /sessions endpoints");

    /// <summary>The path exists but not with this method.</summary>
    public static ServerError MethodNotAllowed(string method, string path) => new(HttpStatusCode.MethodNotAllowed, "method_not_allowed", $"{method} is not allowed on '{path}'");

    /// <summary>A step before the first reset of a session.</summary>
    public static ServerError NotReset { get; } = new(HttpStatusCode.Conflict, "not_reset", "the session has no episode yet: send reset before step");

    /// <summary>A step after the episode ended.</summary>
    public static ServerError EpisodeDone { get; } = new(HttpStatusCode.Conflict, "episode_done", "the episode has ended (terminated or truncated): send reset to start a new one");

    /// <summary>A step after the environment failed.</summary>
    public static ServerError EpisodeFailed { get; } = new(HttpStatusCode.Conflict, "episode_failed", "the environment failed during the last reset or step: send reset to start a new episode");

    /// <summary>A request body over the configured limit.</summary>
    public static ServerError BodyTooLarge(long limit) => new(HttpStatusCode.RequestEntityTooLarge, "body_too_large", $"the request body is larger than the limit of {limit} bytes");

    /// <summary>408: the request body stalled (Kestrel's minimum data rate); the connection then closes.</summary>
    public static ServerError BodyTooSlow { get; } = new(HttpStatusCode.RequestTimeout, "body_timeout", "the request body arrived too slowly (less than 240 bytes per second after the first 5 seconds); send the whole body without pausing");

    /// <summary>A WebSocket message over the configured limit (the connection is then closed).</summary>
    public static ServerError MessageTooLarge(long limit) => new(HttpStatusCode.RequestEntityTooLarge, "message_too_large", $"the message is larger than the limit of {limit} bytes; closing the connection");

    /// <summary>The server already holds its maximum number of sessions.</summary>
    public static ServerError TooManySessions(int max) =>
        new(HttpStatusCode.ServiceUnavailable, "too_many_sessions", $"the server already holds its maximum of {max} sessions; close one, or retry later");

    /// <summary>The server is stopping.</summary>
    public static ServerError ShuttingDown { get; } = new(HttpStatusCode.ServiceUnavailable, "shutting_down", "the server is shutting down");

    /// <summary>The environment threw while resetting or stepping.</summary>
    public static ServerError EnvironmentFailed(string message) =>
        new(HttpStatusCode.InternalServerError, "environment_error", $"the environment failed: {message}; send reset to start a new episode");

    /// <summary>The environment did not answer in time; the session is closed.</summary>
    public static ServerError Timeout(TimeSpan limit) =>
        new(HttpStatusCode.GatewayTimeout, "timeout", $"the environment did not answer within {limit.TotalSeconds:0.###} s; the session was closed");

    /// <summary>The cluster node hosting the session's environment was lost; the session cannot go on (<c>gym serve --cluster</c>).</summary>
    public static ServerError SessionLost(string message) => new(HttpStatusCode.Gone, "session_lost", message);

    /// <summary>A failure of the server itself; the details go to the server's log, never to the client.</summary>
    public static ServerError Internal { get; } = new(HttpStatusCode.InternalServerError, "internal_error", "the server failed to handle the request (see its log)");
}

/// <summary>Thrown by the session layer to end a request with a <see cref="ServerError"/>.</summary>
public sealed class ServerErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServerErrorException(ServerError error)
        : base(error?.Message)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>The error to report.</summary>
    public ServerError Error { get; }
}
