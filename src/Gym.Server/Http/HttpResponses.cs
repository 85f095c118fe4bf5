using System.Globalization;
using System.Net;
using System.Text.Json;
using Gym.Server.Metrics;
using Gym.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace Gym.Server.Http;

/// <summary>Reading bounded request bodies and writing JSON answers and errors.</summary>
internal static class HttpResponses
{
    /// <summary>Seconds a client refused for lack of room should wait (the Retry-After header).</summary>
    public const int RetryAfterSeconds = 1;

    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Reads the whole body, failing with <c>body_too_large</c> past <paramref name="limit"/> bytes (after draining the rest, up to <see cref="RequestBodies.DrainLimit"/>).</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken) =>
        await RequestBodies.ReadAsync(request, limit, cancellationToken).ConfigureAwait(false)
            ?? throw new ServerErrorException(ServerError.BodyTooLarge(limit));

    /// <summary>Writes a JSON answer.</summary>
    public static Task WriteJsonAsync(HttpContext context, HttpStatusCode status, Action<Utf8JsonWriter> write)
    {
        var body = ResponseWriter.ToBytes(write);
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = JsonContentType;
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>Writes an error as <c>{"error": {"code", "message"}}</c>, with Retry-After or WWW-Authenticate where the status asks for one.</summary>
    public static Task WriteErrorAsync(HttpContext context, ServerError error, ServerMetrics metrics)
    {
        metrics.Error(error.Code);
        if (context.Response.HasStarted)
        {
            // Too late for a status: the best left is to end the response.
            context.Abort();
            return Task.CompletedTask;
        }

        context.Response.Clear();
        if (error.Status == HttpStatusCode.ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        else if (error.Status == HttpStatusCode.Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        else if (error.Status is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.RequestTimeout)
        {
            // Whatever of the body was not read is still on the wire: say the connection ends here.
            RequestBodies.CloseAfterResponse(context.Response);
        }

        return WriteJsonAsync(context, error.Status, w => ResponseWriter.Error(w, error));
    }
}
