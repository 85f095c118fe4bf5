using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Gym.Core.ChatCompletions;

/// <summary>
/// The HTTP side of talking to an OpenAI-compatible server, shared by the LLM judge and the
/// OpenAI-compatible policy: sends a JSON body with an optional bearer token, bounds each attempt by
/// <see cref="ChatCompletionsRetry.Timeout"/>, retries timeouts, connection errors, HTTP 429 and 5xx
/// with exponential backoff (honoring <c>Retry-After</c>), and turns every other failure into a
/// <see cref="ChatCompletionsException"/> that names the URL, the status and a short body excerpt.
/// Thread-safe, reusable.
/// </summary>
/// <remarks>
/// Cancellation by the caller surfaces as <see cref="OperationCanceledException"/>, never as a
/// request failure. What a successful reply means is the caller's business: it gets the body text.
/// </remarks>
public sealed class ChatCompletionsTransport : IDisposable
{
    private const int ExcerptLength = 200;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private int _requests;

    /// <summary>Creates a transport that posts to <paramref name="url"/>.</summary>
    /// <param name="url">The full URL requests are posted to, e.g. <c>http://localhost:8000/v1/chat/completions</c>.</param>
    /// <param name="retry">Per-attempt timeout and retry policy.</param>
    /// <param name="noun">Who is asking, for messages: <c>judge</c> gives "judge request to … failed".</param>
    /// <param name="http">
    /// A shared <see cref="HttpClient"/> (not disposed here), or null for one of its own. Its own
    /// <see cref="HttpClient.Timeout"/> still applies; <see cref="ChatCompletionsRetry.Timeout"/> is per attempt.
    /// </param>
    public ChatCompletionsTransport(Uri url, ChatCompletionsRetry retry, string noun, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentException.ThrowIfNullOrWhiteSpace(noun);
        Url = url;
        Retry = retry;
        Noun = noun;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // Attempts are bounded by the per-attempt timeout instead.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The URL requests are posted to.</summary>
    public Uri Url { get; }

    /// <summary>The timeout and retry policy.</summary>
    public ChatCompletionsRetry Retry { get; }

    /// <summary>Who is asking, in messages.</summary>
    public string Noun { get; }

    /// <summary>HTTP requests actually sent, retries included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>
    /// The value of the environment variable <paramref name="variable"/>, trimmed, or null when
    /// <paramref name="variable"/> is null (a server that needs no key).
    /// </summary>
    /// <exception cref="ChatCompletionsException">The variable is not set or blank.</exception>
    public string? ReadApiKey(string? variable)
    {
        if (variable is null)
        {
            return null;
        }

        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new ChatCompletionsException($"{Noun} API key environment variable '{variable}' is not set (endpoint {Url})")
            : value.Trim();
    }

    /// <summary>Posts <paramref name="body"/> (JSON) to <see cref="Url"/>, retrying as configured, and returns the reply's body text.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="apiKey">The bearer token, or null to send none.</param>
    /// <param name="cancellationToken">Cancels sending, waiting and backoff.</param>
    /// <returns>The body of the first 2xx reply.</returns>
    /// <exception cref="ChatCompletionsException">A non-retryable HTTP status, or every attempt failed.</exception>
    public Task<string> PostAsync(byte[] body, string? apiKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SendAsync(HttpMethod.Post, Url, body, apiKey, cancellationToken);
    }

    /// <summary>As <see cref="PostAsync"/>, for any method and URL (a body only when given).</summary>
    /// <exception cref="ChatCompletionsException">A non-retryable HTTP status, or every attempt failed.</exception>
    public async Task<string> SendAsync(HttpMethod method, Uri url, byte[]? body, string? apiKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(url);
        var attempts = Retry.MaxRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await SendOnceAsync(method, url, body, apiKey, cancellationToken).ConfigureAwait(false);
            if (outcome.Body is { } reply)
            {
                return reply;
            }

            if (!outcome.Retryable)
            {
                throw outcome.Error!;
            }

            if (attempt >= attempts)
            {
                var last = outcome.Error!;
                throw new ChatCompletionsException($"{last.Message} (gave up after {attempts} attempt{(attempts == 1 ? "" : "s")})", last.InnerException)
                {
                    StatusCode = last.StatusCode,
                };
            }

            await Task.Delay(Retry.DelayBefore(attempt, outcome.RetryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A one-line excerpt of a reply body for error messages: whitespace collapsed, at most 200 characters.</summary>
    public static string Excerpt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (collapsed.Length == 0)
        {
            return "(empty body)";
        }

        return collapsed.Length <= ExcerptLength ? collapsed : string.Concat(collapsed.AsSpan(0, ExcerptLength), "…");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<Outcome> SendOnceAsync(HttpMethod method, Uri url, byte[]? body, string? apiKey, CancellationToken cancellationToken)
    {
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(Retry.Timeout);
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        Interlocked.Increment(ref _requests);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptTimeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(attemptTimeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(text, null, false, null);
            }

            var retryable = response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500;
            var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? "" : $" ({response.ReasonPhrase})";
            return Outcome.Failed(
                retryable,
                new ChatCompletionsException($"{Noun} request to {url} failed: HTTP {status}{reason}: {Excerpt(text)}") { StatusCode = status },
                retryable ? RetryAfterOf(response) : null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // Our per-attempt limit (or the HttpClient's own Timeout) fired, not the caller.
            return Outcome.Failed(true, new ChatCompletionsException(string.Create(CultureInfo.InvariantCulture, $"{Noun} request to {url} timed out after {Retry.Timeout.TotalSeconds:0.###} s"), ex));
        }
        catch (HttpRequestException ex)
        {
            return Outcome.Failed(true, new ChatCompletionsException($"{Noun} request to {url} failed: {ex.Message}", ex) { StatusCode = (int?)ex.StatusCode });
        }
        catch (IOException ex)
        {
            // The connection dropped while the body was being read.
            return Outcome.Failed(true, new ChatCompletionsException($"{Noun} request to {url} failed: {ex.Message}", ex));
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter.Date is { } date)
        {
            // Measured against the server's own clock when it sends one, so clock skew cancels out.
            var now = response.Headers.Date ?? TimeProvider.System.GetUtcNow();
            return date - now;
        }

        return null;
    }

    private readonly record struct Outcome(string? Body, ChatCompletionsException? Error, bool Retryable, TimeSpan? RetryAfter)
    {
        public static Outcome Failed(bool retryable, ChatCompletionsException error, TimeSpan? retryAfter = null) =>
            new(null, error, retryable, retryAfter);
    }
}
