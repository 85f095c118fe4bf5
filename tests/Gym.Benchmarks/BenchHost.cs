using Akka.Actor;
using Gym.Core.Registry;
using Gym.Environments.ToolUse;
using Gym.Runtime.Hosting;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gym.Benchmarks;

/// <summary>A real Microsoft.Extensions.Hosting host running the Gym actor runtime, as the CLI builds it.</summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchHost(IHost host, EnvironmentRegistry registry)
    {
        _host = host;
        Registry = registry;
        Runner = host.Services.GetRequiredService<RolloutRunner>();
        System = host.Services.GetRequiredService<ActorSystem>();
    }

    public EnvironmentRegistry Registry { get; }

    public RolloutRunner Runner { get; }

    public ActorSystem System { get; }

    /// <summary>Builds and starts a host; <paramref name="gateway"/> null keeps the runtime's default gateway options.</summary>
    public static async Task<BenchHost> StartAsync(string systemName, PolicyGatewayOptions? gateway = null, Action<EnvironmentRegistry>? extraEnvironments = null)
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        extraEnvironments?.Invoke(registry);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(registry);
        builder.Services.AddGymRuntime(o =>
        {
            o.AkkaLogLevel = "ERROR";
            o.SystemName = systemName;
            if (gateway is not null)
            {
                o.Gateway = gateway;
            }
        });
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return new BenchHost(host, registry);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
