using System.Globalization;
using System.Net;
using System.Text.Json;
using Gym.Server.Metrics;
using Gym.Server.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gym.Server.Http;

/// <summary>Reading bounded request bodies and writing JSON answers and errors.</summary>
internal static class HttpResponses
{
    /// <summary>Seconds a client refused for lack of room should wait (the Retry-After header).</summary>
    public const int RetryAfterSeconds = 1;

    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>
    /// The most bytes of an over-limit body read and discarded before answering 413: a client still
    /// uploading when the server closes gets a broken pipe instead of the answer, so bodies up to this
    /// size are drained first; larger ones are cut off.
    /// </summary>
    public const long DrainLimit = 64L * 1024 * 1024;

    /// <summary>Reads the whole body, failing with <c>body_too_large</c> past <paramref name="limit"/> bytes (after draining the rest, up to <see cref="DrainLimit"/>).</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            await DrainAsync(request, cancellationToken).ConfigureAwait(false);
            throw new ServerErrorException(ServerError.BodyTooLarge(limit));
        }

        var buffer = new byte[(int)Math.Min(request.ContentLength ?? 4096, limit) + 1];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > limit)
                {
                    await DrainAsync(request, cancellationToken).ConfigureAwait(false);
                    throw new ServerErrorException(ServerError.BodyTooLarge(limit));
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit + 1));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return length > limit ? throw new ServerErrorException(ServerError.BodyTooLarge(limit)) : buffer.AsMemory(0, length);
    }

    private static async Task DrainAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > DrainLimit)
        {
            return;
        }

        // Kestrel's own limit equals ours; lift it for this request so the rest can be read and dropped.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = DrainLimit;
        }

        var scratch = new byte[16 * 1024];
        long drained = 0;
        try
        {
            int read;
            while (drained < DrainLimit && (read = await request.Body.ReadAsync(scratch, cancellationToken).ConfigureAwait(false)) > 0)
            {
                drained += read;
            }
        }
        catch (BadHttpRequestException)
        {
            // Past Kestrel's limit or malformed: the 413 still goes out, on a connection that then closes.
        }
    }

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
        else if (error.Status == HttpStatusCode.RequestEntityTooLarge)
        {
            // Whatever of the body was not drained is still on the wire: say the connection ends here.
            context.Response.Headers.Connection = "close";
        }

        return WriteJsonAsync(context, error.Status, w => ResponseWriter.Error(w, error));
    }
}
