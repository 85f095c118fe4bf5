using Gym.Core.Registry;
using Gym.Runtime.Hosting;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gym.Cli;

/// <summary>The actor runtime for one command: started with the command's environments and gateway settings, stopped on dispose.</summary>
internal sealed class RuntimeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private RuntimeHost(IHost host)
    {
        _host = host;
        Runner = host.Services.GetRequiredService<RolloutRunner>();
    }

    /// <summary>The edge service that plays rollout runs.</summary>
    public RolloutRunner Runner { get; }

    public static async Task<RuntimeHost> StartAsync(EnvironmentRegistry registry, PolicyGatewayOptions gateway)
    {
        gateway.Validate();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(registry);
        builder.Services.AddGymRuntime(options =>
        {
            options.Gateway = gateway;
            options.AkkaLogLevel = "ERROR";
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new RuntimeHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
