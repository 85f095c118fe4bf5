using Akka.Actor;
using Gym.Core.Registry;
using Gym.Environments.ToolUse;
using Gym.Runtime.Hosting;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>The Gym actor runtime in a real host, as the CLI builds it, over the tool-use environments and any extra ones.</summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly GymRuntimeHost _host;

    private BenchHost(GymRuntimeHost host, EnvironmentRegistry registry)
    {
        _host = host;
        Registry = registry;
    }

    public EnvironmentRegistry Registry { get; }

    public RolloutRunner Runner => _host.Runner;

    public ActorSystem System => _host.System;

    /// <summary>Builds and starts a host; <paramref name="gateway"/> null keeps the runtime's default gateway options.</summary>
    public static async Task<BenchHost> StartAsync(string systemName, PolicyGatewayOptions? gateway = null, Action<EnvironmentRegistry>? extraEnvironments = null)
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        extraEnvironments?.Invoke(registry);
        var host = await GymRuntimeHost.StartAsync(registry, o =>
        {
            o.SystemName = systemName;
            if (gateway is not null)
            {
                o.Gateway = gateway;
            }
        }).ConfigureAwait(false);
        return new BenchHost(host, registry);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
