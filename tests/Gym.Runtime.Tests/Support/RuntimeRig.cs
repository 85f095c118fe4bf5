using Akka.Actor;
using Akka.Hosting;
using Gym.Core.Registry;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Sinks;

namespace Gym.Runtime.Tests.Support;

/// <summary>The runtime's three actors, created from their Props in a given actor system, plus a runner over them.</summary>
public sealed class RuntimeRig
{
    public RuntimeRig(ActorSystem system, EnvironmentRegistry registry, PolicyGatewayOptions? gateway = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        Catalog = new RunCatalog();
        Gateway = system.ActorOf(PolicyGatewayActor.Props(Catalog, gateway ?? new PolicyGatewayOptions()));
        Trajectories = system.ActorOf(TrajectorySinkActor.Props(Catalog));
        Coordinator = system.ActorOf(CoordinatorActor.Props(registry, Catalog, Gateway, Trajectories));
        Runner = new RolloutRunner(new FixedActor<CoordinatorActor>(Coordinator), Catalog);
    }

    public RunCatalog Catalog { get; }

    public IActorRef Gateway { get; }

    public IActorRef Trajectories { get; }

    public IActorRef Coordinator { get; }

    public RolloutRunner Runner { get; }

    private sealed class FixedActor<T>(IActorRef actor) : IRequiredActor<T>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }
}

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gym-runtime-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }
}

/// <summary>Akka settings shared by the actor specs.</summary>
public static class SpecConfig
{
    public const string Hocon = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """;
}
