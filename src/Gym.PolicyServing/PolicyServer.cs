using System.Globalization;
using System.Text.Json;
using Gym.Learning.Policy;
using Gym.Server;
using Gym.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gym.PolicyServing;

/// <summary>
/// Serves a TorchSharp policy over an OpenAI-compatible HTTP API (Kestrel): <c>GET /v1/models</c>,
/// <c>GET /v1/models/{id}</c>, <c>POST /v1/chat/completions</c> and <c>GET /health</c>. Messages are
/// rendered with the policy's <see cref="ChatTemplate"/>, concurrent requests are generated together by a
/// <see cref="GenerationBatcher"/>, and every refusal is an OpenAI-style JSON error, never a stack trace.
/// </summary>
public sealed class PolicyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServedModel _served;
    private readonly ChatTemplate _template;
    private readonly PolicyServerOptions _options;
    private long _completions;
    private long _unseeded;

    private PolicyServer(WebApplication app, ServedModel served, PolicyServerOptions options)
    {
        _app = app;
        _served = served;
        _options = options;
        _template = served.CreateTemplate();
        Batcher = new GenerationBatcher(served, options.MaxBatch);
    }

    /// <summary>The API root clients use as their base URL, e.g. <c>http://127.0.0.1:8000/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The model being served.</summary>
    public ServedModel Served => _served;

    /// <summary>
    /// Raised with each request's prompt as the chat template rendered it (text and ids), before generation:
    /// what the model reads, for logs and tests.
    /// </summary>
    public event Action<RenderedPrompt>? Rendered;

    /// <summary>The batcher, with its counters.</summary>
    public GenerationBatcher Batcher { get; }

    /// <summary>Starts listening; the returned server reports the URL it got in <see cref="BaseUrl"/>.</summary>
    /// <param name="served">The model to serve (on its device).</param>
    /// <param name="options">Address, port and batch size; validated here.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <exception cref="ArgumentException">An option is invalid, or the tokenizer lacks the chat template's markers.</exception>
    /// <exception cref="IOException">The address cannot be bound (a port in use, an address not on this machine).</exception>
    public static async Task<PolicyServer> StartAsync(ServedModel served, PolicyServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = KestrelApp.CreateBuilder("gym-serve-policy", options.Address, options.Port, kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        var server = new PolicyServer(app, served, options);
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Stops listening (in-flight requests get a few seconds to finish), then stops generating.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Never started (the bind failed): nothing to stop.
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        Batcher.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value?.TrimEnd('/') ?? string.Empty;
        try
        {
            switch (path)
            {
                case "/v1/chat/completions":
                    RequireMethod(request, HttpMethods.Post);
                    await CompleteAsync(context).ConfigureAwait(false);
                    break;
                case "/v1/models":
                    RequireMethod(request, HttpMethods.Get);
                    await WriteJsonAsync(context.Response, ModelList());
                    break;
                case "/health":
                    RequireMethod(request, HttpMethods.Get);
                    await WriteJsonAsync(context.Response, """{"status":"ok"}"""u8.ToArray());
                    break;
                default:
                    if (path.StartsWith("/v1/models/", StringComparison.Ordinal))
                    {
                        RequireMethod(request, HttpMethods.Get);
                        var id = Uri.UnescapeDataString(path["/v1/models/".Length..]);
                        await (id == _served.Id
                            ? WriteJsonAsync(context.Response, Model())
                            : ModelNotFound(id).WriteAsync(context.Response)).ConfigureAwait(false);
                        break;
                    }

                    await new OpenAiError(StatusCodes.Status404NotFound, $"no route {request.Method} {request.Path}; this server offers GET /v1/models, POST /v1/chat/completions and GET /health", "not_found_error")
                        .WriteAsync(context.Response).ConfigureAwait(false);
                    break;
            }
        }
        catch (OpenAiErrorException refused)
        {
            if (refused.Error.Status is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status408RequestTimeout)
            {
                RequestBodies.CloseAfterResponse(context.Response);
            }

            await refused.Error.WriteAsync(context.Response).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // Kestrel's own limits, met while reading the body: answer as the other refusals are, and end the connection.
            RequestBodies.CloseAfterResponse(context.Response);
            var error = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? BodyTooLarge()
                : RequestBodies.IsTooSlow(ex) ? new OpenAiError(StatusCodes.Status408RequestTimeout, RequestBodies.TooSlowMessage, Code: "body_timeout")
                : OpenAiError.Invalid($"malformed HTTP request: {ex.Message}");
            await error.WriteAsync(context.Response).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await new OpenAiError(StatusCodes.Status500InternalServerError, $"generation failed: {ex.GetType().Name}: {ex.Message}", "server_error")
                .WriteAsync(context.Response).ConfigureAwait(false);
        }
    }

    private async Task CompleteAsync(HttpContext context)
    {
        var body = await RequestBodies.ReadAsync(context.Request, _options.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false)
            ?? throw new OpenAiErrorException(BodyTooLarge());
        var request = ChatCompletionRequest.Parse(body.Span);
        if (request.Model != _served.Id)
        {
            throw new OpenAiErrorException(ModelNotFound(request.Model));
        }

        var rendered = _template.RenderPrompt(request.Messages, request.Tools is { Count: > 0 } tools ? tools : null);
        Rendered?.Invoke(rendered);
        var prompt = rendered.Ids;
        var positions = _served.Model.Config.MaxPositions;
        if (prompt.Length >= positions)
        {
            throw new OpenAiErrorException(OpenAiError.Invalid(
                string.Create(CultureInfo.InvariantCulture, $"the messages take {prompt.Length} tokens but the model's context holds {positions}, leaving none to generate; send fewer or shorter messages"),
                "messages",
                "context_length_exceeded"));
        }

        var seed = request.Seed is { } given
            ? TorchPolicy.SamplingSeed(0, given, 0, 0)
            // Unseeded requests still draw reproducibly: from the server's seed and their arrival order.
            : TorchPolicy.SamplingSeed(unchecked((ulong)_options.Seed), Interlocked.Increment(ref _unseeded), 1, 0);
        var maxTokens = Math.Min(request.MaxTokens ?? int.MaxValue, positions - prompt.Length);
        var sequence = await Batcher.GenerateAsync(prompt, seed, request.Temperature, request.TopP, maxTokens, context.RequestAborted).ConfigureAwait(false);
        var completion = ChatCompletion.From(sequence, _template, request.Stop, prompt.Length, request.ParseToolCalls ? request.Turn : null);
        var id = string.Create(CultureInfo.InvariantCulture, $"chatcmpl-{Interlocked.Increment(ref _completions)}");
        await WriteJsonAsync(context.Response, completion.ToJson(id, _served.Id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), request.LogProbs)).ConfigureAwait(false);
    }

    private byte[] ModelList()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            WriteModel(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private byte[] Model()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteModel(writer);
        }

        return buffer.ToArray();
    }

    private void WriteModel(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("id", _served.Id);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", 0);
        writer.WriteString("owned_by", "gym");
        writer.WriteNumber("max_model_len", _served.Model.Config.MaxPositions);
        writer.WriteEndObject();
    }

    private OpenAiError BodyTooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"the request body is larger than this server's limit of {_options.MaxBodyBytes} bytes (gym serve-policy --max-body-bytes)"), Code: "body_too_large");

        private OpenAiError ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"the model '{model}' does not exist; this server serves '{_served.Id}'", "not_found_error", "model", "model_not_found");

    private static void RequireMethod(HttpRequest request, string method)
    {
        if (!string.Equals(request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            throw new OpenAiErrorException(new OpenAiError(StatusCodes.Status405MethodNotAllowed, $"{request.Path} takes {method}, not {request.Method}"));
        }
    }

    private static async Task WriteJsonAsync(HttpResponse response, byte[] json)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await response.Body.WriteAsync(json).ConfigureAwait(false);
    }
}
