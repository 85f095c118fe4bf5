using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Gym.Core.Rewards.Judging;

/// <summary>
/// Sends chat requests: <c>POST {BaseUrl}/chat/completions</c> with
/// <c>{"model","messages":[{"role","content"}],"temperature","max_tokens"}</c>; bearer token from
/// the <see cref="JudgeEndpoint.ApiKeyEnv"/> environment variable when set (missing variable →
/// <see cref="JudgeException"/> naming it); reads <c>choices[0].message.content</c>. Non-retryable
/// HTTP errors and exhausted retries throw <see cref="JudgeException"/> with status and a short
/// body excerpt. Thread-safe, reusable.
/// </summary>
/// <remarks>
/// The API key is read when a request actually has to be sent, so re-scoring entirely from a
/// cache needs no key. Cancellation by the caller surfaces as <see cref="OperationCanceledException"/>,
/// never as a judge failure.
/// </remarks>
public sealed class JudgeClient : IDisposable
{
    private const int ExcerptLength = 200;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _url;
    private int _requests;

    /// <summary>Creates a client for <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The judge endpoint; validated here.</param>
    /// <param name="cache">Replies to reuse and record, or null to always ask the server.</param>
    /// <param name="http">
    /// A shared <see cref="HttpClient"/> (not disposed by this client), or null for one of its own.
    /// Its own <see cref="HttpClient.Timeout"/> still applies; <see cref="JudgeEndpoint.Timeout"/> is per attempt.
    /// </param>
    public JudgeClient(JudgeEndpoint endpoint, JudgeCache? cache = null, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Validate();
        Endpoint = endpoint;
        Cache = cache;
        _url = endpoint.CompletionsUrl;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // Attempts are bounded by the endpoint's per-attempt timeout instead.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The endpoint requests go to.</summary>
    public JudgeEndpoint Endpoint { get; }

    /// <summary>The reply cache, if any.</summary>
    public JudgeCache? Cache { get; }

    /// <summary>HTTP requests actually sent (retries included, cache hits excluded).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Asks the judge model and returns its reply text.</summary>
    /// <param name="system">The system message; left out of the request when empty.</param>
    /// <param name="user">The user message.</param>
    /// <param name="cancellationToken">Cancels waiting, sending and backoff.</param>
    /// <exception cref="JudgeException">The request failed for good, the API key variable is missing, or the reply has no message content.</exception>
    public async Task<string> CompleteAsync(string system, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(user);
        var body = BuildBody(system, user);
        var key = Cache is null ? null : JudgeCache.KeyOf(body);
        if (key is not null && Cache!.TryGet(key, out var cached))
        {
            return cached;
        }

        var reply = await SendWithRetriesAsync(body, ReadApiKey(), cancellationToken).ConfigureAwait(false);
        if (key is not null)
        {
            Cache!.Add(key, reply);
        }

        return reply;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>The exact request body for a system and user message; the cache key hashes these bytes.</summary>
    internal byte[] BuildBody(string system, string user)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", Endpoint.Model);
            writer.WriteStartArray("messages");
            if (system.Length > 0)
            {
                WriteMessage(writer, "system", system);
            }

            WriteMessage(writer, "user", user);
            writer.WriteEndArray();
            writer.WriteNumber("temperature", Endpoint.Temperature);
            writer.WriteNumber("max_tokens", Endpoint.MaxTokens);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    private string? ReadApiKey()
    {
        if (Endpoint.ApiKeyEnv is not { } name)
        {
            return null;
        }

        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new JudgeException($"judge API key environment variable '{name}' is not set (endpoint {_url})")
            : value.Trim();
    }

    private async Task<string> SendWithRetriesAsync(byte[] body, string? apiKey, CancellationToken cancellationToken)
    {
        var attempts = Endpoint.MaxRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await SendOnceAsync(body, apiKey, cancellationToken).ConfigureAwait(false);
            if (outcome.Reply is { } reply)
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
                throw new JudgeException($"{last.Message} (gave up after {attempts} attempt{(attempts == 1 ? "" : "s")})", last.InnerException)
                {
                    StatusCode = last.StatusCode,
                };
            }

            await Task.Delay(RetryDelay(attempt, outcome.RetryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var cap = Endpoint.MaxRetryAfter;
        if (retryAfter is { } asked)
        {
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > cap ? cap : asked;
        }

        // attempt 1 waits the base delay, each later retry twice the one before.
        var backoff = Endpoint.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return backoff >= cap.TotalMilliseconds ? cap : TimeSpan.FromMilliseconds(backoff);
    }

    private async Task<Outcome> SendOnceAsync(byte[] body, string? apiKey, CancellationToken cancellationToken)
    {
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(Endpoint.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
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
                return ReadContent(text, status);
            }

            var retryable = response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500;
            var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? "" : $" ({response.ReasonPhrase})";
            return Outcome.Failed(
                retryable,
                new JudgeException($"judge request to {_url} failed: HTTP {status}{reason}: {Excerpt(text)}") { StatusCode = status },
                retryable ? RetryAfterOf(response) : null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // Our per-attempt limit (or the HttpClient's own Timeout) fired, not the caller.
            return Outcome.Failed(true, new JudgeException($"judge request to {_url} timed out after {Endpoint.Timeout.TotalSeconds:0.###} s", ex));
        }
        catch (HttpRequestException ex)
        {
            return Outcome.Failed(true, new JudgeException($"judge request to {_url} failed: {ex.Message}", ex) { StatusCode = (int?)ex.StatusCode });
        }
        catch (IOException ex)
        {
            // The connection dropped while the body was being read.
            return Outcome.Failed(true, new JudgeException($"judge request to {_url} failed: {ex.Message}", ex));
        }
    }

    private Outcome ReadContent(string text, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("choices", out var choices)
                && choices.ValueKind == JsonValueKind.Array
                && choices.GetArrayLength() > 0
                && choices[0].ValueKind == JsonValueKind.Object
                && choices[0].TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String)
            {
                return Outcome.Succeeded(content.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Reported below with the same message as a well-formed reply of the wrong shape.
        }

        return Outcome.Failed(
            false,
            new JudgeException($"judge reply from {_url} has no choices[0].message.content string: HTTP {status}: {Excerpt(text)}") { StatusCode = status });
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

    private static string Excerpt(string text)
    {
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (collapsed.Length == 0)
        {
            return "(empty body)";
        }

        return collapsed.Length <= ExcerptLength ? collapsed : string.Concat(collapsed.AsSpan(0, ExcerptLength), "…");
    }

    private readonly record struct Outcome(string? Reply, JudgeException? Error, bool Retryable, TimeSpan? RetryAfter)
    {
        public static Outcome Succeeded(string reply) => new(reply, null, false, null);

        public static Outcome Failed(bool retryable, JudgeException error, TimeSpan? retryAfter = null) =>
            new(null, error, retryable, retryAfter);
    }
}
