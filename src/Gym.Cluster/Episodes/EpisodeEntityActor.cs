using Akka.Actor;
using Akka.Cluster.Sharding;
using Gym.Cluster.Wire;
using Gym.Core.Trajectories;
using Gym.Runtime.Episodes;
using Gym.Runtime.Rollouts;

namespace Gym.Cluster.Episodes;

/// <summary>
/// The sharded entity of one episode: a thin shell that plays it on the runtime's own
/// <see cref="EpisodeActor"/> (the same code a single process runs), acknowledges the start to the
/// head's coordinator (which watches this actor, so losing its node means a re-run) and forwards the
/// end. A newer try of the same episode replaces an older one; once reported, the entity passivates.
/// </summary>
public sealed class EpisodeEntityActor : UntypedActor
{
    private readonly IEnvironmentSource _environments;
    private readonly HostedEpisodes _hosted;
    private IActorRef? _child;
    private PlayShardedEpisode? _playing;
    private int _children;

    /// <summary>Creates the entity; prefer <see cref="Props"/>.</summary>
    public EpisodeEntityActor(IEnvironmentSource environments, HostedEpisodes hosted)
    {
        _environments = environments;
        _hosted = hosted;
    }

    /// <summary>Props for an episode entity.</summary>
    public static Props Props(IEnvironmentSource environments, HostedEpisodes hosted) => Akka.Actor.Props.Create(() => new EpisodeEntityActor(environments, hosted));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        // As in a single process: a crashed episode is stopped, and its PostStop reports it failed.
        new OneForOneStrategy(_ => Directive.Stop);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PlayShardedEpisode play:
                Play(play);
                break;
            case EpisodeEnded ended when Sender.Equals(_child) && _playing is { } playing:
                playing.Coordinator.Tell(new ShardedEpisodeEnded(playing.RunId, playing.Attempt, ended.Record), Self);
                _child = null;
                _playing = null;
                Context.Parent.Tell(new Passivate(StopEpisodeEntity.Instance));
                break;
            case EpisodeEnded:
                // A replaced try's late report: the current try's counts.
                break;
            case StopEpisodeEntity:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Play(PlayShardedEpisode play)
    {
        if (_playing is { } current && current.Attempt >= play.Attempt)
        {
            // A duplicate delivery of the try already under way.
            return;
        }

        if (_child is not null)
        {
            Context.Stop(_child);
        }

        Gym.Core.Registry.EnvironmentRegistry registry;
        try
        {
            registry = _environments.Resolve(play.Source);
        }
        catch (Exception ex)
        {
            // This node cannot load the environment: the episode fails with the reason, as a bad
            // environment fails it in a single process, instead of vanishing with a crashed entity.
            var plan = play.Plan;
            var failed = new EpisodeRecorder(play.Start.Episode, plan.EnvironmentId, plan.SeedOf(play.Start.Episode), play.PolicyId)
                .Fail($"node {Context.System.Name} could not load '{play.Source}': {ex.Message}");
            play.Coordinator.Tell(new ShardedEpisodeEnded(play.RunId, play.Attempt, failed), Self);
            return;
        }

        _playing = play;
        _hosted.Add();
        _child = Context.ActorOf(EpisodeActor.Props(play.RunId, play.Plan, play.PolicyId, registry, play.Gateway), $"try-{_children++}");
        play.Coordinator.Tell(new EpisodeAccepted(play.RunId, play.Start.Episode, play.Attempt), Self);
        _child.Tell(new PlayEpisode(play.Start), Self);
    }
}
