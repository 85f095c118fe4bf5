namespace Gym.Server.Http;

/// <summary>The server's endpoints.</summary>
public enum Route
{
    /// <summary>No endpoint at the path.</summary>
    NotFound,

    /// <summary>The path exists, the method does not.</summary>
    MethodNotAllowed,

    /// <summary><c>GET /health</c>.</summary>
    Health,

    /// <summary><c>GET /metrics</c>.</summary>
    Metrics,

    /// <summary><c>GET /scenarios</c>.</summary>
    Scenarios,

    /// <summary><c>POST /sessions</c>.</summary>
    CreateSession,

    /// <summary><c>GET /sessions/{id}</c>.</summary>
    GetSession,

    /// <summary><c>DELETE /sessions/{id}</c>.</summary>
    DeleteSession,

    /// <summary><c>POST /sessions/{id}/reset</c>.</summary>
    Reset,

    /// <summary><c>POST /sessions/{id}/step</c>.</summary>
    Step,

    /// <summary><c>GET /ws</c>, upgraded to a WebSocket.</summary>
    WebSocket,
}

/// <summary>A matched request: the endpoint and, for session endpoints, the session id.</summary>
/// <param name="Route">The endpoint.</param>
/// <param name="SessionId">The <c>{id}</c> path segment, or null.</param>
public sealed record RouteMatch(Route Route, string? SessionId = null);

/// <summary>
/// Maps a method and path to an endpoint. A handful of fixed paths need no routing framework, and
/// a pure function is easy to test and tells 404 (no such path) from 405 (wrong method) itself.
/// </summary>
public static class ServerRoutes
{
    /// <summary>The WebSocket endpoint's path.</summary>
    public const string WebSocketPath = "/ws";

    /// <summary>Matches <paramref name="method"/> and <paramref name="path"/> (a trailing slash is ignored).</summary>
    public static RouteMatch Match(string method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Trim('/').Split('/');
        return segments switch
        {
            ["health"] => Only(method, "GET", Route.Health),
            ["metrics"] => Only(method, "GET", Route.Metrics),
            ["scenarios"] => Only(method, "GET", Route.Scenarios),
            ["ws"] => Only(method, "GET", Route.WebSocket),
            ["sessions"] => Only(method, "POST", Route.CreateSession),
            ["sessions", var id] when id.Length > 0 => method switch
            {
                "GET" => new RouteMatch(Route.GetSession, id),
                "DELETE" => new RouteMatch(Route.DeleteSession, id),
                _ => new RouteMatch(Route.MethodNotAllowed),
            },
            ["sessions", var id, "reset"] when id.Length > 0 => Only(method, "POST", Route.Reset, id),
            ["sessions", var id, "step"] when id.Length > 0 => Only(method, "POST", Route.Step, id),
            _ => new RouteMatch(Route.NotFound),
        };
    }

    private static RouteMatch Only(string method, string allowed, Route route, string? sessionId = null) =>
        string.Equals(method, allowed, StringComparison.OrdinalIgnoreCase) || (allowed == "GET" && method == "HEAD" && route != Route.WebSocket)
            ? new RouteMatch(route, sessionId)
            : new RouteMatch(Route.MethodNotAllowed);
}
