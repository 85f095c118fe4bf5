using Akka.Actor;
using Gym.Cluster.Episodes;
using Gym.Cluster.Wire;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Runtime.Facade;

namespace Gym.Cluster.Sessions;

/// <summary>
/// The sharded entity of one <c>gym serve</c> session: a thin shell around the runtime's own
/// <see cref="EnvironmentActor"/> (the actor a single-process server gives each session), translating
/// the wire messages of resets and steps into that actor's messages and its answers back.
/// </summary>
public sealed class ServerSessionEntityActor : UntypedActor
{
    private readonly IEnvironmentSource _environments;
    private IActorRef? _environment;

    /// <summary>Creates the entity; prefer <see cref="Props"/>.</summary>
    public ServerSessionEntityActor(IEnvironmentSource environments) => _environments = environments;

    /// <summary>Props for a session entity.</summary>
    public static Props Props(IEnvironmentSource environments) => Akka.Actor.Props.Create(() => new ServerSessionEntityActor(environments));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case OpenServerSession open:
                Open(open);
                break;
            case ResetServerSession reset when _environment is { } environment:
                Relay<ResetResult>(environment, new ResetEnvironment(reset.Seed, reset.Attempt), result => new ServerSessionReset(result));
                break;
            case StepServerSession step when _environment is { } environment:
                Relay<StepResult>(environment, new StepEnvironment(step.Action), result => new ServerSessionStepped(result));
                break;
            case ResetServerSession or StepServerSession:
                Sender.Tell(new ServerSessionFailed($"the session is not open on node {Context.System.Name}"));
                break;
            case CloseServerSession:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Open(OpenServerSession open)
    {
        if (_environment is not null)
        {
            // A duplicate delivery of the order (sharding delivers at most once, but the head may retry).
            Sender.Tell(new ServerSessionOpened(Self));
            return;
        }

        IEnvironment environment;
        try
        {
            EnvironmentRegistry registry = _environments.Resolve(open.Source);
            environment = registry.Make(open.EnvironmentId, new EnvironmentParameters(open.Parameters));
        }
        catch (Exception ex)
        {
            Sender.Tell(new ServerSessionFailed($"node {Context.System.Name} could not load '{open.Source}': {ex.Message}"));
            Context.Stop(Self);
            return;
        }

        _environment = Context.ActorOf(EnvironmentActor.Props(environment), "environment");
        Sender.Tell(new ServerSessionOpened(Self));
    }

    // The environment actor answers in order and stashes what arrives while it works, so the entity
    // relays without waiting: the answer (or the environment's failure) goes straight to the asker.
    private void Relay<T>(IActorRef environment, object request, Func<T, object> wrap)
    {
        var replyTo = Sender;
        environment.Ask<T>(request).PipeTo(
            replyTo,
            success: result => wrap(result),
            failure: ex => new ServerSessionFailed((ex as AggregateException)?.InnerException?.Message ?? ex.Message));
    }
}
