using Akka.Actor;
using Akka.Cluster;
using Gym.Cluster.Wire;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;

namespace Gym.Cluster.Rollouts;

/// <summary>
/// The head's coordinator: plans a run with the same <see cref="RolloutState"/> a single process
/// uses, but plays each episode on a sharded entity (keyed by run and episode) through the shard
/// region instead of on a local slot. It watches every entity that acknowledged an episode; when an
/// entity stops before reporting (its node died, or its shard moved to another node) or a node is
/// removed from the cluster, the episode is sent again with the next attempt number, and only that
/// attempt's end counts. Since an episode depends only on its seed, a re-run gives the same trajectory.
/// </summary>
public sealed class ClusterCoordinatorActor : UntypedActor, IWithTimers
{
    /// <summary>How long an order may go unacknowledged before it is sent again (it may have gone to a node as it died).</summary>
    public static readonly TimeSpan AcknowledgeTimeout = TimeSpan.FromSeconds(15);

    private readonly RunCatalog _catalog;
    private readonly string _source;
    private readonly IActorRef _region;
    private readonly IActorRef _gateway;
    private readonly IActorRef _trajectories;
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private IActorRef _self = ActorRefs.Nobody;

    /// <summary>Creates the coordinator; prefer <see cref="Props"/>.</summary>
    public ClusterCoordinatorActor(string source, RunCatalog catalog, IActorRef region, IActorRef gateway, IActorRef trajectories)
    {
        _source = source;
        _catalog = catalog;
        _region = region;
        _gateway = gateway;
        _trajectories = trajectories;
    }

    /// <summary>Props for the coordinator of runs over <paramref name="source"/> (an environment id or a scenario path every node can load).</summary>
    public static Props Props(string source, RunCatalog catalog, IActorRef region, IActorRef gateway, IActorRef trajectories) =>
        Akka.Actor.Props.Create(() => new ClusterCoordinatorActor(source, catalog, region, gateway, trajectories));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        _self = Self;
        Timers.StartPeriodicTimer("unacknowledged", CheckUnacknowledged.Instance, TimeSpan.FromSeconds(5));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(_self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }

    /// <inheritdoc />
    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(_self);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case EpisodeAccepted accepted:
                OnAccepted(accepted, Sender);
                break;
            case ShardedEpisodeEnded ended:
                OnEnded(ended);
                break;
            case EpisodeWritten written:
                OnWritten(written);
                break;
            case StartRollout start:
                OnStart(start, Sender);
                break;
            case CancelRollout cancel:
                OnCancel(cancel.RunId);
                break;
            case Terminated terminated:
                OnTerminated(terminated.ActorRef);
                break;
            case ClusterEvent.MemberRemoved removed:
                OnNodeRemoved(removed.Member.Address);
                break;
            case CheckUnacknowledged:
                OnCheckUnacknowledged();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnStart(StartRollout start, IActorRef replyTo)
    {
        var run = new Run(start.RunId, new RolloutState(start.Plan), replyTo, _catalog.Get(start.RunId), _source);
        _runs[start.RunId] = run;
        StartEpisodes(run);
        CompleteIfDone(run);
    }

    private void OnCancel(string runId)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return;
        }

        run.State.Cancel();
        foreach (var (episode, live) in run.Live.ToList())
        {
            Drop(run, episode, live, stopEntity: true);
            var plan = run.State.Plan;
            Accept(run, new EpisodeRecorder(episode, plan.EnvironmentId, plan.SeedOf(episode), run.Resources.Policy.Id).Cancel());
        }

        CompleteIfDone(run);
    }

    private void OnAccepted(EpisodeAccepted accepted, IActorRef entity)
    {
        if (_runs.TryGetValue(accepted.RunId, out var run)
            && run.Live.TryGetValue(accepted.Episode, out var live)
            && live.Attempt == accepted.Attempt)
        {
            live.Entity = entity;
            Context.Watch(entity);
        }
    }

    private void OnEnded(ShardedEpisodeEnded ended)
    {
        if (!_runs.TryGetValue(ended.RunId, out var run)
            || !run.Live.TryGetValue(ended.Record.Episode, out var live)
            || live.Attempt != ended.Attempt)
        {
            // An earlier try of a re-run episode, or a run already over.
            return;
        }

        Drop(run, ended.Record.Episode, live, stopEntity: false);
        Accept(run, ended.Record);
    }

    private void Drop(Run run, long episode, LiveEpisode live, bool stopEntity)
    {
        run.Live.Remove(episode);
        if (live.Entity is { } entity)
        {
            Context.Unwatch(entity);
            if (stopEntity)
            {
                entity.Tell(StopEpisodeEntity.Instance, _self);
            }
        }
    }

    private void OnTerminated(IActorRef entity)
    {
        foreach (var run in _runs.Values)
        {
            foreach (var (episode, live) in run.Live)
            {
                if (entity.Equals(live.Entity))
                {
                    Resend(run, episode, live);
                    return;
                }
            }
        }
    }

    private void OnNodeRemoved(Address address)
    {
        foreach (var run in _runs.Values)
        {
            foreach (var (episode, live) in run.Live)
            {
                // An order not yet acknowledged may have gone to the lost node's shard region: send it again too.
                if (live.Entity is null || live.Entity.Path.Address.Equals(address))
                {
                    Resend(run, episode, live);
                }
            }
        }
    }

    private void OnCheckUnacknowledged()
    {
        var now = DateTime.UtcNow;
        foreach (var run in _runs.Values)
        {
            foreach (var (episode, live) in run.Live)
            {
                // A shard region can forward an order to a node in the moment it dies; nothing then
                // reports the loss, so an order unacknowledged for long is sent again.
                if (live.Entity is null && now - live.SentAt > AcknowledgeTimeout)
                {
                    Resend(run, episode, live);
                }
            }
        }
    }

    private void Resend(Run run, long episode, LiveEpisode live)
    {
        if (live.Entity is { } entity)
        {
            Context.Unwatch(entity);
        }

        live.Entity = null;
        live.Attempt++;
        live.SentAt = DateTime.UtcNow;
        _region.Tell(Order(run, live.Start, live.Attempt), _self);
    }

    private PlayShardedEpisode Order(Run run, EpisodeStart start, int attempt) =>
        new(run.Id, run.Source, run.Resources.Policy.Id, run.State.Plan, start, attempt, _gateway, _self);

    private void Accept(Run run, EpisodeRecord record)
    {
        if (EpisodeBookkeeping.Ended(run.State, run.Resources.Observer, record))
        {
            _trajectories.Tell(new WriteEpisode(run.Id, record), _self);
            return;
        }

        CompleteIfDone(run);
    }

    private void OnWritten(EpisodeWritten written)
    {
        if (!_runs.TryGetValue(written.RunId, out var run))
        {
            return;
        }

        if (!EpisodeBookkeeping.Written(run.State, run.Resources.Observer, written))
        {
            OnCancel(written.RunId);
        }

        StartEpisodes(run);
        CompleteIfDone(run);
    }

    private void StartEpisodes(Run run)
    {
        foreach (var start in run.State.TakeEpisodesToStart())
        {
            var live = new LiveEpisode(start);
            run.Live[start.Episode] = live;
            _region.Tell(Order(run, start, live.Attempt), _self);
        }
    }

    private void CompleteIfDone(Run run)
    {
        if (!run.State.IsDone || !_runs.Remove(run.Id))
        {
            return;
        }

        run.ReplyTo.Tell(run.State.Completion(run.Id), _self);
    }

    private sealed record CheckUnacknowledged
    {
        public static CheckUnacknowledged Instance { get; } = new();
    }

    private sealed class Run(string id, RolloutState state, IActorRef replyTo, RunResources resources, string source)
    {
        public string Id { get; } = id;

        public RolloutState State { get; } = state;

        public IActorRef ReplyTo { get; } = replyTo;

        public RunResources Resources { get; } = resources;

        public string Source { get; } = source;

        /// <summary>Episodes sent and not yet reported, by index (an episode written by the sink is already gone from here).</summary>
        public Dictionary<long, LiveEpisode> Live { get; } = [];
    }

    private sealed class LiveEpisode(EpisodeStart start)
    {
        public EpisodeStart Start { get; } = start;

        public int Attempt { get; set; }

        /// <summary>When the current attempt was sent (the wall clock only times acknowledgements; it never reaches an episode).</summary>
        public DateTime SentAt { get; set; } = DateTime.UtcNow;

        /// <summary>The entity playing the current attempt, once it has acknowledged it.</summary>
        public IActorRef? Entity { get; set; }
    }
}
