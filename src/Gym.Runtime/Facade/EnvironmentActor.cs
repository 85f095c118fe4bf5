using Akka.Actor;
using Gym.Core;
using Gym.Core.Episodes;

namespace Gym.Runtime.Facade;

/// <summary>
/// Hosts one environment instance for the vectorized facade. Requests are answered in order; the
/// environment's async work is piped back, and the actor stashes requests that arrive meanwhile.
/// </summary>
public sealed class EnvironmentActor : ReceiveActor, IWithUnboundedStash
{
    private readonly IEnvironment _environment;

    /// <summary>Creates the actor; prefer <see cref="Props"/>.</summary>
    public EnvironmentActor(IEnvironment environment)
    {
        _environment = environment;
        Become(Ready);
    }

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Props for one environment; the actor owns it and disposes it when it stops.</summary>
    public static Props Props(IEnvironment environment) => Akka.Actor.Props.Create(() => new EnvironmentActor(environment));

    /// <inheritdoc />
    protected override void PostStop() => _environment.Dispose();

    private void Ready()
    {
        Receive<ResetEnvironment>(reset => Answer(() => _environment.ResetAsync(reset.Seed, reset.Attempt)));
        Receive<StepEnvironment>(step => Answer(() => _environment.StepAsync(step.Action)));
    }

    private void Busy()
    {
        Receive<Answered>(answered =>
        {
            answered.ReplyTo.Tell(answered.Reply);
            Become(Ready);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Answer<T>(Func<ValueTask<T>> call)
        where T : notnull
    {
        var replyTo = Sender;
        ValueTask<T> pending;
        try
        {
            pending = call();
        }
        catch (Exception ex)
        {
            replyTo.Tell(new Status.Failure(ex));
            return;
        }

        if (pending.IsCompletedSuccessfully)
        {
            replyTo.Tell(pending.Result);
            return;
        }

        Become(Busy);
        pending.AsTask().PipeTo(Self, success: result => new Answered(replyTo, result), failure: ex => new Answered(replyTo, new Status.Failure(ex)));
    }

    private sealed record Answered(IActorRef ReplyTo, object Reply);
}

/// <summary>Resets the hosted environment; answers a <see cref="ResetResult"/>.</summary>
/// <param name="Seed">The episode seed.</param>
/// <param name="Attempt">The attempt at the seed's task (same task, fresh environment noise); 0 is a plain reset.</param>
public sealed record ResetEnvironment(long Seed, int Attempt = 0);

/// <summary>Steps the hosted environment; answers a <see cref="StepResult"/>.</summary>
/// <param name="Action">The action.</param>
public sealed record StepEnvironment(AgentAction Action);
