using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gym.Testing;

/// <summary>One request as the fake server received it: its index, method, path, bearer header and JSON body.</summary>
/// <param name="Index">The request's arrival index, from 0.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path, e.g. /v1/chat/completions.</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="Body">The JSON body (default when there was none).</param>
public sealed record ChatRequest(int Index, string Method, string Path, string? Authorization, JsonElement Body)
{
    /// <summary>Whether this is a chat-completion request (a JSON object with messages), not a model list or another probe.</summary>
    public bool IsChat => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("messages", out _);

    /// <summary>The last user message's content, or empty.</summary>
    public string LastUser => Body.TryGetProperty("messages", out var messages)
        ? messages.EnumerateArray().Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").GetString()!).LastOrDefault() ?? ""
        : "";
}

/// <summary>What the fake server answers: a chat completion, an HTTP error, a raw body, a delay or a dropped connection.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Content">The assistant message of a chat completion (when <paramref name="Body"/> is null).</param>
/// <param name="LogProbs">Per-token log-probabilities to report with <paramref name="Content"/>.</param>
/// <param name="Body">A raw response body that replaces the chat completion.</param>
/// <param name="Delay">How long to wait before answering.</param>
/// <param name="RetryAfter">A Retry-After header value.</param>
/// <param name="Abort">Drop the connection instead of answering.</param>
public sealed record ChatReply(int Status = 200, string? Content = null, float[]? LogProbs = null, string? Body = null, TimeSpan Delay = default, string? RetryAfter = null, bool Abort = false)
{
    /// <summary>A 200 chat completion with <paramref name="content"/> and, when given, per-token log-probabilities.</summary>
    public static ChatReply Ok(string content, params float[] logProbs) => new(Content: content, LogProbs: logProbs.Length == 0 ? null : logProbs);

    /// <summary>An HTTP error with an OpenAI-style error body and, when given, a Retry-After header.</summary>
    public static ChatReply Error(int status, string body = "{\"error\":{\"message\":\"scripted failure\"}}", string? retryAfter = null) =>
        new(status, Body: body, RetryAfter: retryAfter);
}

/// <summary>
/// A stand-in for a third-party OpenAI-compatible chat-completions server on 127.0.0.1 (Kestrel, port chosen
/// by the OS), scripted per test: it records each request, when it arrived and how many were in flight at once.
/// The policy tests use it directly; the judge tests through <see cref="FakeJudgeServer"/>.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private static readonly int[] XBytes = [120];
    private readonly WebApplication _app;
    private readonly Func<ChatRequest, Task<ChatReply>> _handler;
    private readonly ConcurrentQueue<ChatRequest> _received = new();
    private readonly ConcurrentQueue<TimeSpan> _arrivals = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _requests;
    private int _inFlight;
    private int _maxInFlight;

    private FakeChatServer(WebApplication app, Func<ChatRequest, Task<ChatReply>> handler)
    {
        _app = app;
        _handler = handler;
    }

    /// <summary>The API root, e.g. http://127.0.0.1:41234/v1.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>HTTP requests received, whatever their fate.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The most requests that were being handled at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>The requests received, in arrival order.</summary>
    public IReadOnlyList<ChatRequest> Received => [.. _received.OrderBy(r => r.Index)];

    /// <summary>When each request arrived, measured from the server's start.</summary>
    public IReadOnlyList<TimeSpan> Arrivals => [.. _arrivals];

    /// <summary>Starts a server that answers each request with <paramref name="handler"/>.</summary>
    public static Task<FakeChatServer> StartAsync(Func<ChatRequest, ChatReply> handler) =>
        StartAsync(request => Task.FromResult(handler(request)));

    /// <summary>Starts a server that answers each request with the asynchronous <paramref name="handler"/>.</summary>
    public static async Task<FakeChatServer> StartAsync(Func<ChatRequest, Task<ChatReply>> handler)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        var server = new FakeChatServer(app, handler);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var index = Interlocked.Increment(ref _requests) - 1;
        _arrivals.Enqueue(_clock.Elapsed);
        var inFlight = Interlocked.Increment(ref _inFlight);
        int seen;
        while (inFlight > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
        {
        }

        try
        {
            JsonElement body = default;
            if (context.Request.ContentLength > 0 || context.Request.Method == "POST")
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                body = document.RootElement.Clone();
            }

            var request = new ChatRequest(index, context.Request.Method, context.Request.Path, context.Request.Headers.Authorization.FirstOrDefault(), body);
            _received.Enqueue(request);
            var reply = await _handler(request);
            if (reply.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(reply.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (reply.Abort)
            {
                context.Abort();
                return;
            }

            context.Response.StatusCode = reply.Status;
            if (reply.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = reply.RetryAfter;
            }

            context.Response.ContentType = "application/json";
            var text = reply.Body ?? JsonSerializer.Serialize(new
            {
                id = $"chatcmpl-{index}",
                @object = "chat.completion",
                model = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("model", out var model) ? model.GetString() : null,
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        message = new { role = "assistant", content = reply.Content ?? "" },
                        logprobs = reply.LogProbs is null ? null : new { content = reply.LogProbs.Select(lp => new { token = "x", logprob = lp, bytes = XBytes }).ToArray() },
                        finish_reason = "stop",
                    },
                },
            });
            await context.Response.WriteAsync(text, context.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
