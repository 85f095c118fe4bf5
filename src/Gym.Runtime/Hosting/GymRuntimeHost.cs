using Akka.Actor;
using Gym.Core;
using Gym.Core.Registry;
using Gym.Runtime.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gym.Runtime.Hosting;

/// <summary>
/// A quiet, started Microsoft.Extensions.Hosting host running only the Gym runtime: what a command-line
/// tool or a benchmark needs for one run (no default logging or configuration providers, Akka at ERROR).
/// Applications that host more services call <see cref="GymRuntimeHosting.AddGymRuntime"/> themselves.
/// Stopped and disposed on <see cref="DisposeAsync"/>.
/// </summary>
public sealed class GymRuntimeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private GymRuntimeHost(IHost host)
    {
        _host = host;
        Runner = host.Services.GetRequiredService<RolloutRunner>();
        System = host.Services.GetRequiredService<ActorSystem>();
    }

    /// <summary>The edge service that plays rollout runs.</summary>
    public RolloutRunner Runner { get; }

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>Builds and starts a host over <paramref name="registry"/>; <paramref name="configure"/> adjusts the runtime's options.</summary>
    public static async Task<GymRuntimeHost> StartAsync(EnvironmentRegistry registry, Action<GymRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        StartupTrace.Mark("actor system: building the host");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(registry);
        builder.Services.AddGymRuntime(options =>
        {
            options.AkkaLogLevel = "ERROR";
            configure?.Invoke(options);
        });
        var host = builder.Build();
        StartupTrace.Mark("actor system: host built, starting Akka");
        try
        {
            await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new GymRuntimeHost(host);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
