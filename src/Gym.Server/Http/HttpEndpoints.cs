using System.Net;
using System.Text;
using Gym.Server.Protocol;
using Gym.Server.Sessions;
using Microsoft.AspNetCore.Http;

namespace Gym.Server.Http;

/// <summary>
/// The server's one request delegate: authenticates, routes, and turns every failure into a JSON
/// error. The work is done by <see cref="SessionManager"/>, <see cref="Session"/>, the parser and the writer.
/// </summary>
internal sealed class HttpEndpoints(SessionManager sessions, EnvironmentServerOptions options, ApiKeyCheck apiKey, Action<string> log)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        try
        {
            var match = ServerRoutes.Match(request.Method, request.Path.Value ?? "/");
            if (match.Route != Route.Health && !apiKey.Allows(request.Headers.Authorization))
            {
                throw new ServerErrorException(ServerError.Unauthorized);
            }

            await DispatchAsync(context, match).ConfigureAwait(false);
        }
        catch (ServerErrorException ex)
        {
            await HttpResponses.WriteErrorAsync(context, ex.Error, sessions.Metrics).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own limits (body size, malformed framing) surface here while reading the body.
            var error = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? ServerError.BodyTooLarge(options.MaxBodyBytes)
                : RequestBodies.IsTooSlow(ex) ? ServerError.BodyTooSlow
                : ServerError.InvalidRequest($"malformed HTTP request: {ex.Message}");
            await HttpResponses.WriteErrorAsync(context, error, sessions.Metrics).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
#pragma warning disable CA1031 // The last line of defence: a client gets a JSON error, never a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            log($"gym serve: unexpected failure on {request.Method} {request.Path}: {ex}");
            await HttpResponses.WriteErrorAsync(context, ServerError.Internal, sessions.Metrics).ConfigureAwait(false);
        }
    }

    private Task DispatchAsync(HttpContext context, RouteMatch match) => match.Route switch
    {
        Route.Health => HttpResponses.WriteJsonAsync(
            context,
            sessions.IsStopping ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK,
            w => ResponseWriter.Health(w, sessions.IsStopping, sessions.Count, sessions.Options.MaxSessions)),
        Route.Metrics => MetricsAsync(context),
        Route.Scenarios => HttpResponses.WriteJsonAsync(context, HttpStatusCode.OK, w => ResponseWriter.Scenarios(w, sessions.Descriptors)),
        Route.CreateSession => CreateAsync(context),
        Route.GetSession => StateAsync(context, match.SessionId!),
        Route.DeleteSession => DeleteAsync(context, match.SessionId!),
        Route.Reset => ResetAsync(context, match.SessionId!),
        Route.Step => StepAsync(context, match.SessionId!),
        Route.WebSocket => WebSocketConnection.AcceptAsync(context, sessions, options, log),
        Route.MethodNotAllowed => throw new ServerErrorException(ServerError.MethodNotAllowed(context.Request.Method, context.Request.Path.Value ?? "/")),
        _ => throw new ServerErrorException(ServerError.NotFound(context.Request.Path.Value ?? "/")),
    };

    private async Task MetricsAsync(HttpContext context)
    {
        var text = new StringBuilder(4096);
        sessions.Metrics.Write(text, sessions.Count, sessions.Options.MaxSessions);
        var body = Encoding.UTF8.GetBytes(text.ToString());
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context)
    {
        var body = await HttpResponses.ReadBodyAsync(context.Request, options.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        var request = RequestParser.ParseCreateSession(body);
        var session = sessions.Create(request.EnvironmentId, request.Parameters, SessionTransport.Http);
        context.Response.Headers.Location = $"/sessions/{session.Id}";
        await HttpResponses.WriteJsonAsync(context, HttpStatusCode.Created, w => ResponseWriter.Session(w, session)).ConfigureAwait(false);
    }

    private async Task StateAsync(HttpContext context, string id)
    {
        var state = await sessions.Get(id).StateAsync(context.RequestAborted).ConfigureAwait(false);
        await HttpResponses.WriteJsonAsync(context, HttpStatusCode.OK, w => ResponseWriter.State(w, state)).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, string id)
    {
        var session = sessions.Get(id);
        if (!sessions.Close(session, SessionCloseReason.Client))
        {
            throw new ServerErrorException(ServerError.SessionNotFound(id));
        }

        await HttpResponses.WriteJsonAsync(context, HttpStatusCode.OK, w => ResponseWriter.Closed(w, id, SessionCloseReason.Client)).ConfigureAwait(false);
    }

    private async Task ResetAsync(HttpContext context, string id)
    {
        var session = sessions.Get(id);
        var body = await HttpResponses.ReadBodyAsync(context.Request, options.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        var outcome = await session.ResetAsync(RequestParser.ParseReset(body), context.RequestAborted).ConfigureAwait(false);
        await HttpResponses.WriteJsonAsync(context, HttpStatusCode.OK, w => ResponseWriter.Reset(w, outcome)).ConfigureAwait(false);
    }

    private async Task StepAsync(HttpContext context, string id)
    {
        var session = sessions.Get(id);
        var body = await HttpResponses.ReadBodyAsync(context.Request, options.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        var outcome = await session.StepAsync(RequestParser.ParseStep(body), context.RequestAborted).ConfigureAwait(false);
        await HttpResponses.WriteJsonAsync(context, HttpStatusCode.OK, w => ResponseWriter.Step(w, outcome)).ConfigureAwait(false);
    }
}
