using Gym.Server.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gym.Server.Http;

/// <summary>
/// Reading request bodies under a size limit, shared by both gym servers (<c>gym serve</c> and
/// <c>gym serve-policy</c>), which answer the outcomes in their own error shapes.
/// </summary>
public static class RequestBodies
{
    /// <summary>
    /// The most bytes of an over-limit body read and discarded before answering 413: a client still
    /// uploading when the server closes gets a broken pipe instead of the answer, so bodies up to this
    /// size are drained first; larger ones are cut off.
    /// </summary>
    public const long DrainLimit = 64L * 1024 * 1024;

    /// <summary>
    /// What a client that sent its body too slowly is told (Kestrel's <c>MinRequestBodyDataRate</c>:
    /// 240 bytes/s after a 5 s grace period), in words that need no knowledge of the server's internals.
    /// </summary>
    public static string TooSlowMessage => ServerError.BodyTooSlow.Message;

    /// <summary>
    /// Reads the whole body, or returns null when it is larger than <paramref name="limit"/> bytes,
    /// after reading and discarding the rest (up to <see cref="DrainLimit"/>) so that the client can
    /// read the answer. The caller answers 413 with <see cref="CloseAfterResponse"/>.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="limit">The largest body accepted, in bytes.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    /// <exception cref="BadHttpRequestException">Kestrel refused the body (malformed framing, or too slow: see <see cref="IsTooSlow"/>).</exception>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit)
        {
            await DrainAsync(request, cancellationToken).ConfigureAwait(false);
            return null;
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
                    return null;
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

        return length > limit ? null : buffer.AsMemory(0, length);
    }

    /// <summary>Whether Kestrel gave up on the body because it arrived too slowly (its 408), as opposed to a malformed or oversized one.</summary>
    public static bool IsTooSlow(BadHttpRequestException exception) =>
        exception?.StatusCode == StatusCodes.Status408RequestTimeout;

    /// <summary>
    /// Marks the response as the connection's last: whatever of the body was not read is still on the
    /// wire, so the client must not send another request on it.
    /// </summary>
    public static void CloseAfterResponse(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.Connection = "close";
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
            // Past Kestrel's limit, malformed or too slow: the 413 still goes out, on a connection that then closes.
        }
    }
}
