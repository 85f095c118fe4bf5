using System.Text.Json;
using Gym.Core.ChatCompletions;

namespace Gym.Core.Rewards.Judging;

/// <summary>
/// Sends chat requests: <c>POST {BaseUrl}/chat/completions</c> with
/// <c>{"model","messages":[{"role","content"}],"temperature","max_tokens"}</c>; bearer token from
/// the <see cref="JudgeEndpoint.ApiKeyEnv"/> environment variable when set (missing variable →
/// <see cref="JudgeException"/> naming it); reads <c>choices[0].message.content</c>. Non-retryable
/// HTTP errors and exhausted retries throw <see cref="JudgeException"/> with status and a short
/// body excerpt. Thread-safe, reusable. The HTTP, timeout and retry work is the shared
/// <see cref="ChatCompletionsTransport"/>'s.
/// </summary>
/// <remarks>
/// The API key is read when a request actually has to be sent, so re-scoring entirely from a
/// cache needs no key. Cancellation by the caller surfaces as <see cref="OperationCanceledException"/>,
/// never as a judge failure.
/// </remarks>
public sealed class JudgeClient : IDisposable
{
    private readonly ChatCompletionsTransport _transport;
    private readonly bool _ownsCache;
    private int _disposed;

    /// <summary>Creates a client for <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The judge endpoint; validated here.</param>
    /// <param name="cache">Replies to reuse and record, or null to always ask the server.</param>
    /// <param name="http">
    /// A shared <see cref="HttpClient"/> (not disposed by this client), or null for one of its own.
    /// Its own <see cref="HttpClient.Timeout"/> still applies; <see cref="JudgeEndpoint.Timeout"/> is per attempt.
    /// </param>
    /// <param name="ownsCache">
    /// Whether this client owns <paramref name="cache"/> and disposes it (closing its file) with itself;
    /// false (the default) leaves a cache shared by several clients to its creator.
    /// </param>
    public JudgeClient(JudgeEndpoint endpoint, JudgeCache? cache = null, HttpClient? http = null, bool ownsCache = false)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Validate();
        Endpoint = endpoint;
        Cache = cache;
        _ownsCache = ownsCache;
        _transport = new ChatCompletionsTransport(
            endpoint.CompletionsUrl,
            new ChatCompletionsRetry(endpoint.Timeout, endpoint.MaxRetries, endpoint.RetryBaseDelay, endpoint.MaxRetryAfter),
            "judge",
            http);
    }

    /// <summary>The endpoint requests go to.</summary>
    public JudgeEndpoint Endpoint { get; }

    /// <summary>The reply cache, if any.</summary>
    public JudgeCache? Cache { get; }

    /// <summary>HTTP requests actually sent (retries included, cache hits excluded).</summary>
    public int Requests => _transport.Requests;

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

        string text;
        try
        {
            text = await _transport.PostAsync(body, _transport.ReadApiKey(Endpoint.ApiKeyEnv), cancellationToken).ConfigureAwait(false);
        }
        catch (ChatCompletionsException ex)
        {
            throw new JudgeException(ex.Message, ex.InnerException) { StatusCode = ex.StatusCode };
        }

        var reply = ReadContent(text);
        if (key is not null)
        {
            Cache!.Add(key, reply);
        }

        return reply;
    }

    /// <summary>Disposes the client's own HTTP client (not a shared one) and an owned cache, which closes its file; later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _transport.Dispose();
        }
        finally
        {
            if (_ownsCache)
            {
                Cache?.Dispose();
            }
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

    private string ReadContent(string text)
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
                return content.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Reported below with the same message as a well-formed reply of the wrong shape.
        }

        throw new JudgeException($"judge reply from {_transport.Url} has no choices[0].message.content string: {ChatCompletionsTransport.Excerpt(text)}");
    }
}
