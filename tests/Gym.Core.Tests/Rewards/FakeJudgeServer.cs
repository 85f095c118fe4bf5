using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gym.Core.Rewards.Judging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gym.Core.Tests.Rewards;

/// <summary>One chat-completions request as the fake server received it.</summary>
internal sealed record JudgeRequest(
    int Index,
    string Path,
    string? Authorization,
    string Model,
    double Temperature,
    int MaxTokens,
    IReadOnlyList<(string Role, string Content)> Messages)
{
    public string User => Messages.Last(m => m.Role == "user").Content;

    public string? System => Messages.FirstOrDefault(m => m.Role == "system").Content;
}

/// <summary>What the fake server answers: a completion, an HTTP error, a raw body, a delay or a dropped connection.</summary>
internal sealed record ServerReply(int Status = 200, string? Content = null, string? Body = null, TimeSpan Delay = default, string? RetryAfter = null, bool Abort = false)
{
    public static ServerReply Ok(string content) => new(Content: content);

    public static ServerReply Error(int status, string body = "{\"error\":{\"message\":\"scripted failure\"}}", string? retryAfter = null) =>
        new(status, Body: body, RetryAfter: retryAfter);
}

/// <summary>
/// A small OpenAI-compatible chat-completions server on 127.0.0.1 (Kestrel, port chosen by the OS),
/// scripted per test and counting the requests it receives.
/// </summary>
internal sealed class FakeJudgeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<JudgeRequest, Task<ServerReply>> _handler;
    private readonly ConcurrentQueue<JudgeRequest> _received = new();
    private readonly ConcurrentQueue<TimeSpan> _arrivals = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _requests;

    private FakeJudgeServer(WebApplication app, Func<JudgeRequest, Task<ServerReply>> handler)
    {
        _app = app;
        _handler = handler;
    }

    /// <summary>The API root, e.g. http://127.0.0.1:41234/v1.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>HTTP requests received, whatever their fate.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public IReadOnlyList<JudgeRequest> Received => [.. _received];

    /// <summary>When each request arrived, measured from the server's start.</summary>
    public IReadOnlyList<TimeSpan> Arrivals => [.. _arrivals];

    public static Task<FakeJudgeServer> StartAsync(Func<JudgeRequest, string> reply) =>
        StartAsync(request => ServerReply.Ok(reply(request)));

    public static Task<FakeJudgeServer> StartAsync(Func<JudgeRequest, ServerReply> handler) =>
        StartAsync(request => Task.FromResult(handler(request)));

    public static async Task<FakeJudgeServer> StartAsync(Func<JudgeRequest, Task<ServerReply>> handler)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        var server = new FakeJudgeServer(app, handler);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>
    /// An endpoint on this server with test-sized backoff. The timeout is generous because a cold
    /// first request (JIT, a loaded build machine) can take a second; timeout tests set their own.
    /// </summary>
    public JudgeEndpoint Endpoint(string model = "judge-model") => new(BaseUrl, model)
    {
        Timeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var index = Interlocked.Increment(ref _requests) - 1;
        _arrivals.Enqueue(_clock.Elapsed);
        if (context.Request.Method != "POST" || context.Request.Path != "/v1/chat/completions")
        {
            context.Response.StatusCode = 404;
            return;
        }

        JudgeRequest request;
        using (var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))
        {
            var root = body.RootElement;
            request = new JudgeRequest(
                index,
                context.Request.Path,
                context.Request.Headers.Authorization.FirstOrDefault(),
                root.GetProperty("model").GetString()!,
                root.GetProperty("temperature").GetDouble(),
                root.GetProperty("max_tokens").GetInt32(),
                [.. root.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))]);
        }

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
            model = request.Model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content = reply.Content ?? "" }, finish_reason = "stop" } },
        });
        await context.Response.WriteAsync(text, context.RequestAborted);
    }
}
