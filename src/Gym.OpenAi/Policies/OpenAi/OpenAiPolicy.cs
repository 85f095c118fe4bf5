using System.Text.Json;
using Gym.Core.ChatCompletions;
using Gym.Core.Parsing;
using Gym.Core.Seeding;

namespace Gym.Core.Policies.OpenAi;

/// <summary>
/// An <see cref="IPolicy"/> that asks any OpenAI-compatible chat-completions server (vLLM, llama.cpp,
/// Ollama, OpenAI, <c>gym serve-policy</c>) for each turn: <c>POST {base_url}/chat/completions</c> with
/// the turn's context as messages (roles system, user, assistant and tool, a tool message with its
/// tool's <c>name</c>), the configured sampling fields, and a seed derived from the episode's seed,
/// attempt and turn (or, with <see cref="ToolMessageRole.User"/>, tool results as user messages). The reply's text is the action; its log-probabilities, when the server returns
/// them, are recorded in <see cref="AgentAction.LogProbs"/> (token ids are not part of the OpenAI reply).
/// With <see cref="OpenAiMessageMode.Structured"/> messages, the episode's tools go as <c>tools</c>, the
/// context's tool calls as <c>tool_calls</c> and <c>tool_call_id</c> (<see cref="StructuredChat"/>), and a
/// reply's <c>tool_calls</c> are written into the action in the environment's action format.
/// </summary>
/// <remarks>
/// <para>
/// The requests of a batch go out concurrently, at most <see cref="OpenAiPolicyOptions.MaxConcurrency"/>
/// at once across all batches. Timeouts, connection errors, 429 and 5xx are retried with backoff
/// (honoring <c>Retry-After</c>); when a request fails for good the batch fails with a
/// <see cref="ChatCompletionsException"/> naming the URL, the status and an excerpt of the reply, and
/// the runtime records the batch's episodes as failed.
/// </para>
/// <para>
/// Deterministic as far as the server is: the same episodes send byte-identical requests, seed included.
/// </para>
/// </remarks>
public sealed class OpenAiPolicy : IPolicy, IDisposable
{
    private readonly ChatCompletionsTransport _transport;
    private readonly SemaphoreSlim _slots;
    private readonly IEpisodeToolSource? _tools;

    /// <summary>Creates a policy for <paramref name="options"/>; they are validated here.</summary>
    /// <param name="options">The server, model, sampling and retry settings.</param>
    /// <param name="http">A shared <see cref="HttpClient"/> (not disposed here), or null for one of its own.</param>
    /// <param name="tools">
    /// The episodes' tools, for <see cref="OpenAiMessageMode.Structured"/> messages; disposed with the policy
    /// when disposable. Without it every request is text.
    /// </param>
    public OpenAiPolicy(OpenAiPolicyOptions options, HttpClient? http = null, IEpisodeToolSource? tools = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _tools = tools;
        _transport = new ChatCompletionsTransport(
            options.CompletionsUrl,
            new ChatCompletionsRetry(options.Timeout, options.MaxRetries, options.RetryBaseDelay, options.MaxRetryDelay),
            "policy",
            http);
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    /// <summary>The settings.</summary>
    public OpenAiPolicyOptions Options { get; }

    /// <summary><c>openai:{model}</c>.</summary>
    public string Id => $"openai:{Options.Model}";

    /// <summary>HTTP requests sent so far, retries included.</summary>
    public int Requests => _transport.Requests;

    /// <summary>
    /// The <c>seed</c> sent for one turn: derived from the episode's seed, attempt and turn, and kept in
    /// [0, 2^31) because some servers read it as a 32-bit integer.
    /// </summary>
    public static long RequestSeed(long episodeSeed, int attempt, int turn) =>
        SeededRandom.Derive(SeededRandom.Derive(episodeSeed, "openai-policy", attempt), "turn", turn) & int.MaxValue;

    /// <summary>
    /// Checks that the server answers at all, before a run starts: <c>GET {base_url}/models</c>. A server
    /// that cannot be reached (after the configured retries), or that refuses the API key (401/403),
    /// throws; any other HTTP status passes, since not every server lists its models.
    /// </summary>
    /// <exception cref="ChatCompletionsException">The server is unreachable or refuses the key, or the key variable is missing.</exception>
    public async Task CheckReachableAsync(CancellationToken cancellationToken = default)
    {
        var key = _transport.ReadApiKey(Options.ApiKeyEnv);
        try
        {
            await _transport.SendAsync(HttpMethod.Get, Options.ModelsUrl, null, key, cancellationToken).ConfigureAwait(false);
        }
        catch (ChatCompletionsException ex) when (ex.StatusCode is { } status && status is not (401 or 403))
        {
            // The server answered; it just has no model list here.
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }

        var key = _transport.ReadApiKey(Options.ApiKeyEnv);

        // The first failure cancels the batch's other requests: the whole batch fails anyway.
        using var batch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task<AgentAction>[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            tasks[i] = ActOneAsync(requests[i], key, batch);
        }

        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A sibling's failure cancelled this one; report that failure, not the cancellation.
            throw tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException)
                ?? new ChatCompletionsException($"policy request to {_transport.Url} was cancelled");
        }
    }

    /// <summary>The exact request body for one turn; reruns of the same episode send the same bytes.</summary>
    public byte[] BuildBody(PolicyRequest request) => BuildBody(request, ToolsFor(request));

    private byte[] BuildBody(PolicyRequest request, EpisodeTools? tools)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", Options.Model);
            if (tools is not null)
            {
                WriteStructured(writer, request, tools);
            }
            else
            {
                WriteText(writer, request);
            }

            writer.WriteNumber("n", 1);
            if (Options.Temperature is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (Options.TopP is { } topP)
            {
                writer.WriteNumber("top_p", topP);
            }

            if (Options.MaxTokens is { } maxTokens)
            {
                writer.WriteNumber("max_tokens", maxTokens);
            }

            if (Options.Stop.Count > 0)
            {
                writer.WriteStartArray("stop");
                foreach (var stop in Options.Stop)
                {
                    writer.WriteStringValue(stop);
                }

                writer.WriteEndArray();
            }

            if (Options.SendSeed)
            {
                writer.WriteNumber("seed", RequestSeed(request.Seed, request.Attempt, request.Turn));
            }

            if (Options.LogProbs)
            {
                writer.WriteBoolean("logprobs", true);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // The episode's tools when structured messages are asked for and known; null means text.
    private EpisodeTools? ToolsFor(PolicyRequest request) =>
        Options.Messages == OpenAiMessageMode.Structured ? _tools?.ToolsFor(request) : null;

    private void WriteText(Utf8JsonWriter writer, PolicyRequest request)
    {
        writer.WriteStartArray("messages");
        foreach (var message in request.Context)
        {
            writer.WriteStartObject();
            if (message.Role == ChatRole.Tool && Options.ToolMessages == ToolMessageRole.User)
            {
                writer.WriteString("role", "user");
                writer.WriteString("content", string.IsNullOrEmpty(message.Name) ? $"Tool returned:\n{message.Content}" : $"Tool {message.Name} returned:\n{message.Content}");
            }
            else
            {
                writer.WriteString("role", message.Role.WireName());
                writer.WriteString("content", message.Content);
                if (message.Role == ChatRole.Tool && !string.IsNullOrEmpty(message.Name))
                {
                    writer.WriteString("name", message.Name);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteStructured(Utf8JsonWriter writer, PolicyRequest request, EpisodeTools tools)
    {
        writer.WriteStartArray("messages");
        foreach (var message in StructuredChat.Structure(request.Context, tools.Parser, request.Turn))
        {
            message.WriteTo(writer);
        }

        writer.WriteEndArray();
        if (tools.Tools.Count > 0)
        {
            writer.WritePropertyName("tools");
            StructuredChat.WriteTools(writer, tools.Tools);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _transport.Dispose();
        _slots.Dispose();
        (_tools as IDisposable)?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Id;

    // A reply's structured calls are written back in the environment's action format, after its content.
    // Its log-probs (if any) stay those of the tokens the server generated.
    private string ActionText(ChatCompletionReply reply, EpisodeTools? tools)
    {
        if (reply.ToolCalls is not { Count: > 0 } calls)
        {
            return reply.Content;
        }

        if (tools is null)
        {
            throw new ChatCompletionsException($"reply from {_transport.Url} has tool_calls, but the policy sent no tools (messages: text); the server must answer in content");
        }

        try
        {
            return StructuredChat.ToActionText(reply.Content, [.. calls.Select(c => (c.Name, c.Arguments))], tools.Parser);
        }
        catch (StructuredActionException)
        {
            // The model wrote unusable arguments: hand the environment the calls as the model gave them, in
            // the Hermes form, so its parser rejects the action with its usual format error, as for text.
            return string.Join('\n', [
                .. reply.Content.Length > 0 ? [reply.Content] : Array.Empty<string>(),
                .. calls.Select(c => $"<tool_call>{{\"name\": {JsonSerializer.Serialize(c.Name)}, \"arguments\": {JsonSerializer.Serialize(c.Arguments)}}}</tool_call>")]);
        }
    }

    private async Task<AgentAction> ActOneAsync(PolicyRequest request, string? key, CancellationTokenSource batch)
    {
        var tools = ToolsFor(request);
        var body = BuildBody(request, tools);
        try
        {
            await _slots.WaitAsync(batch.Token).ConfigureAwait(false);
            string text;
            try
            {
                text = await _transport.PostAsync(body, key, batch.Token).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }

            var reply = ChatCompletionReply.Parse(text, _transport.Url);
            return new AgentAction(ActionText(reply, tools), null, reply.LogProbs);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await batch.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
