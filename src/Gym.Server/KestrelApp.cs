using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gym.Server;

/// <summary>
/// The Kestrel host both gym servers start from: <c>gym serve</c> (<see cref="EnvironmentServer"/>) and
/// <c>gym serve-policy</c> (the policy server in Gym.PolicyServing, which keeps TorchSharp out of this assembly).
/// </summary>
public static class KestrelApp
{
    /// <summary>
    /// An empty builder (no appsettings.json, environment variables, command line or logging of its own:
    /// the command's options are the only configuration) with Kestrel listening on one address.
    /// </summary>
    /// <param name="applicationName">The host's application name.</param>
    /// <param name="address">The address to listen on.</param>
    /// <param name="port">The TCP port; 0 lets the system choose.</param>
    /// <param name="configure">Further Kestrel settings (limits), applied after the listen address.</param>
    /// <returns>The builder, with a host lifetime that leaves Ctrl+C and SIGTERM to the caller.</returns>
    public static WebApplicationBuilder CreateBuilder(string applicationName, IPAddress address, int port, Action<KestrelServerOptions>? configure = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = applicationName });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, port);
            configure?.Invoke(kestrel);
        });

        // The CLI owns Ctrl+C and SIGTERM (it stops the server through DisposeAsync); the default console
        // lifetime would also catch them and stop the host behind the CLI's back.
        builder.Services.AddSingleton<IHostLifetime, ExternalLifetime>();
        return builder;
    }

    private sealed class ExternalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
