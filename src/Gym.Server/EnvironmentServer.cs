using System.Net;
using Akka.Actor;
using Gym.Core.Registry;
using Gym.Runtime.Hosting;
using Gym.Server.Http;
using Gym.Server.Metrics;
using Gym.Server.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace Gym.Server;

/// <summary>
/// The environment server of <c>gym serve</c>: Kestrel serving sessions over WebSocket
/// (<c>/ws</c>) and plain HTTP (<c>/sessions</c>), plus <c>/scenarios</c>, <c>/health</c> and
/// <c>/metrics</c>. Each session's environment lives in an actor of the Gym runtime. The protocol is
/// described in docs/server.md. Stop it with <see cref="DisposeAsync"/>.
/// </summary>
public sealed class EnvironmentServer : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly GymRuntimeHost? _runtime;
    private readonly CancellationTokenSource _sweeping = new();
    private readonly Task _sweeper;
    private int _disposed;

    private EnvironmentServer(WebApplication app, GymRuntimeHost? runtime, SessionManager sessions, Uri url)
    {
        _app = app;
        _runtime = runtime;
        Sessions = sessions;
        Url = url;
        _sweeper = SweepAsync(_sweeping.Token);
    }

    /// <summary>The base URL clients use, e.g. <c>http://127.0.0.1:8000</c> (with the real port when 0 was asked for).</summary>
    public Uri Url { get; }

    /// <summary>The WebSocket endpoint, e.g. <c>ws://127.0.0.1:8000/ws</c>.</summary>
    public Uri WebSocketUrl => new($"ws://{Url.Authority}{ServerRoutes.WebSocketPath}");

    /// <summary>The sessions.</summary>
    public SessionManager Sessions { get; }

    /// <summary>The counters behind <c>/metrics</c>.</summary>
    public ServerMetrics Metrics => Sessions.Metrics;

    /// <summary>
    /// Starts serving <paramref name="environmentIds"/> (registered ids or scenario ids) from
    /// <paramref name="registry"/>. Without <paramref name="system"/> the server starts and owns a Gym
    /// runtime host. Throws <see cref="ArgumentException"/> for bad options, <see cref="UnknownEnvironmentException"/>
    /// for an id that is not registered, and <see cref="IOException"/> when the address is taken. With
    /// <paramref name="host"/> sessions' environments live there (<c>gym serve --cluster</c>).
    /// </summary>
    public static async Task<EnvironmentServer> StartAsync(
        EnvironmentRegistry registry,
        IReadOnlyList<string> environmentIds,
        EnvironmentServerOptions options,
        ActorSystem? system = null,
        ISessionHost? host = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(environmentIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var address = options.ParseHost();
        foreach (var id in environmentIds)
        {
            // Fail before listening: an unknown id, or one whose defaults cannot build an environment.
            registry.Make(id).Dispose();
        }

        GymRuntimeHost? runtime = null;
        WebApplication? app = null;
        try
        {
            if (system is null)
            {
                runtime = await GymRuntimeHost.StartAsync(registry, o => o.SystemName = "gym-server").ConfigureAwait(false);
                system = runtime.System;
            }

            var log = options.Log ?? (line => Console.Error.WriteLine(line));
            var sessions = new SessionManager(system, registry, environmentIds, options.Sessions, new ServerMetrics(), host: host);
            app = Build(address, options, sessions, log);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = new Uri(app.Urls.First());
            var server = new EnvironmentServer(app, runtime, sessions, new Uri($"http://{FormatHost(address)}:{bound.Port}"));
            return server;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (runtime is not null)
            {
                await runtime.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Refuses new sessions, closes the open ones (WebSocket clients get a close frame), stops listening and stops the runtime it started.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sweeping.CancelAsync().ConfigureAwait(false);
        await _sweeper.ConfigureAwait(false);
        Sessions.Shutdown();
        using (var drain = new CancellationTokenSource(DrainTimeout))
        {
            // Kestrel waits for open requests (WebSocket connections are requests) until the token fires.
            await _app.StopAsync(drain.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync().ConfigureAwait(false);
        }

        _sweeping.Dispose();
    }

    private static WebApplication Build(IPAddress address, EnvironmentServerOptions options, SessionManager sessions, Action<string> log)
    {
        var builder = KestrelApp.CreateBuilder("gym-serve", address, options.Port, kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        var app = builder.Build();
        app.UseWebSockets();
        var endpoints = new HttpEndpoints(sessions, options, new ApiKeyCheck(options.ApiKey), log);
        app.Run(endpoints.HandleAsync);
        return app;
    }

    private static string FormatHost(IPAddress address) =>
        address.Equals(IPAddress.Any) ? "127.0.0.1"
        : address.Equals(IPAddress.IPv6Any) ? "[::1]"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]"
        : address.ToString();

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var idle = Sessions.Options.IdleTimeout;
        if (idle == TimeSpan.Zero)
        {
            return;
        }

        // Check a few times per timeout, so a session outlives it by at most a quarter (and never more than 5 s).
        var period = TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Sessions.ExpireIdle();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
