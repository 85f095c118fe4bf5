using Akka.Hosting;
using Gym.Core.Registry;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Sinks;
using Microsoft.Extensions.DependencyInjection;

namespace Gym.Runtime.Hosting;

/// <summary>
/// Adds the Gym runtime to a Microsoft.Extensions.Hosting application through Akka.Hosting:
/// the coordinator, policy gateway and trajectory sink actors, registered in the
/// <see cref="ActorRegistry"/>, plus the <see cref="RolloutRunner"/> edge service.
/// The host must also register an <see cref="EnvironmentRegistry"/>.
/// </summary>
public static class GymRuntimeHosting
{
    /// <summary>Registers the runtime's services and actor system.</summary>
    public static IServiceCollection AddGymRuntime(this IServiceCollection services, Action<GymRuntimeOptions>? configure = null)
    {
        var options = new GymRuntimeOptions();
        configure?.Invoke(options);
        options.Gateway.Validate();
        services.AddSingleton(options);
        services.AddSingleton<RunCatalog>();
        services.AddSingleton(provider => new RolloutRunner(provider.GetRequiredService<IRequiredActor<CoordinatorActor>>(), provider.GetRequiredService<RunCatalog>()));
        services.AddAkka(options.SystemName, (builder, provider) => builder.WithGymRuntime(provider, options));
        return services;
    }

    /// <summary>Adds the runtime's actors to an Akka.Hosting configuration.</summary>
    public static AkkaConfigurationBuilder WithGymRuntime(this AkkaConfigurationBuilder builder, IServiceProvider provider, GymRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var level = options.AkkaLogLevel;
        builder.AddHocon(
            $$"""
            akka {
              loglevel = {{level}}
              stdout-loglevel = {{level}}
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """,
            HoconAddMode.Prepend);
        return builder.WithActors((system, registry) =>
        {
            var catalog = provider.GetRequiredService<RunCatalog>();
            var environments = provider.GetRequiredService<EnvironmentRegistry>();
            var gateway = system.ActorOf(PolicyGatewayActor.Props(catalog, options.Gateway), "policy-gateway");
            var trajectories = system.ActorOf(TrajectorySinkActor.Props(catalog), "trajectories");
            var coordinator = system.ActorOf(CoordinatorActor.Props(environments, catalog, gateway, trajectories), "coordinator");
            registry.Register<PolicyGatewayActor>(gateway);
            registry.Register<TrajectorySinkActor>(trajectories);
            registry.Register<CoordinatorActor>(coordinator);
        });
    }
}
