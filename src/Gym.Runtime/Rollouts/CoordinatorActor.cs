using Akka.Actor;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Episodes;

namespace Gym.Runtime.Rollouts;

/// <summary>
/// Runs rollouts: plays each run's episodes on at most <see cref="RolloutPlan.Concurrency"/>
/// long-lived episode actors (slots, created as needed and reused episode after episode),
/// supervises them (a crash stops only that slot, whose partial trajectory is still reported, and a
/// fresh slot takes its place), sends finished episodes to the trajectory sink, and answers
/// <see cref="RolloutCompleted"/> when a run has drained, stopping its slots.
/// </summary>
public sealed class CoordinatorActor : UntypedActor
{
    private readonly EnvironmentRegistry _registry;
    private readonly RunCatalog _catalog;
    private readonly IActorRef _gateway;
    private readonly IActorRef _trajectories;
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, Slot> _slots = [];
    private IActorRef _self = ActorRefs.Nobody;

    /// <summary>Creates the coordinator; prefer <see cref="Props"/>.</summary>
    public CoordinatorActor(EnvironmentRegistry registry, RunCatalog catalog, IActorRef gateway, IActorRef trajectories)
    {
        _registry = registry;
        _catalog = catalog;
        _gateway = gateway;
        _trajectories = trajectories;
    }

    /// <summary>Props for the coordinator.</summary>
    public static Props Props(EnvironmentRegistry registry, RunCatalog catalog, IActorRef gateway, IActorRef trajectories) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(registry, catalog, gateway, trajectories));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        // An episode cannot resume after an exception (its state is suspect) and restarting would
        // replay it: stop the slot, and let its PostStop report the partial trajectory as failed.
        new OneForOneStrategy(_ => Directive.Stop);

    /// <inheritdoc />
    protected override void PreStart() => _self = Self;

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case EpisodeEnded ended:
                OnEnded(ended, Sender);
                break;
            case EpisodeWritten written:
                OnWritten(written);
                break;
            case StartRollout start:
                OnStart(start, Sender);
                break;
            case CancelRollout cancel:
                OnCancel(cancel);
                break;
            case Terminated terminated:
                OnTerminated(terminated);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnStart(StartRollout start, IActorRef replyTo)
    {
        var run = new Run(start.RunId, new RolloutState(start.Plan), replyTo, _catalog.Get(start.RunId));
        _runs[start.RunId] = run;
        StartEpisodes(run);
        CompleteIfDone(run);
    }

    private void OnCancel(CancelRollout cancel)
    {
        if (!_runs.TryGetValue(cancel.RunId, out var run))
        {
            return;
        }

        run.State.Cancel();
        foreach (var slot in run.Slots)
        {
            if (_slots.TryGetValue(slot, out var info) && info.Episode is not null)
            {
                slot.Tell(CancelEpisode.Instance, _self);
            }
        }

        CompleteIfDone(run);
    }

    private void OnEnded(EpisodeEnded ended, IActorRef sender)
    {
        if (_slots.TryGetValue(sender, out var slot) && slot.Episode == ended.Record.Episode)
        {
            slot.Episode = null;
            if (ended.SlotStopped)
            {
                // It crashed: forget it now, so that it is never given another episode; a fresh
                // slot is created when one is needed.
                Forget(sender, slot);
            }
            else if (_runs.TryGetValue(slot.RunId, out var owner))
            {
                owner.Idle.Push(sender);
            }
        }

        Accept(ended.RunId, ended.Record);
    }

    private void OnTerminated(Terminated terminated)
    {
        // Death watch is the safety net for a slot that died without reporting its episode.
        if (!_slots.TryGetValue(terminated.ActorRef, out var slot))
        {
            return;
        }

        Forget(terminated.ActorRef, slot);
        if (slot.Episode is { } episode && _runs.TryGetValue(slot.RunId, out var run))
        {
            var plan = run.State.Plan;
            var recorder = new EpisodeRecorder(episode, plan.EnvironmentId, plan.SeedOf(episode), run.Resources.Policy.Id);
            Accept(slot.RunId, recorder.Fail("the episode actor stopped without reporting"));
        }
    }

    private void Forget(IActorRef actor, Slot slot)
    {
        _slots.Remove(actor);
        Context.Unwatch(actor);
        if (_runs.TryGetValue(slot.RunId, out var run))
        {
            run.Slots.Remove(actor);
        }
    }

    private void Accept(string runId, EpisodeRecord record)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return;
        }

        if (EpisodeBookkeeping.Ended(run.State, run.Resources.Observer, record))
        {
            _trajectories.Tell(new WriteEpisode(runId, record), _self);
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
            OnCancel(new CancelRollout(written.RunId));
        }

        StartEpisodes(run);
        CompleteIfDone(run);
    }

    private void StartEpisodes(Run run)
    {
        foreach (var start in run.State.TakeEpisodesToStart())
        {
            var actor = TakeIdleSlot(run) ?? NewSlot(run);
            _slots[actor].Episode = start.Episode;
            actor.Tell(new PlayEpisode(start), _self);
        }
    }

    private IActorRef? TakeIdleSlot(Run run)
    {
        while (run.Idle.TryPop(out var actor))
        {
            // A slot that died while idle is no longer in _slots: skip it.
            if (_slots.ContainsKey(actor))
            {
                return actor;
            }
        }

        return null;
    }

    private IActorRef NewSlot(Run run)
    {
        var actor = Context.ActorOf(
            EpisodeActor.Props(run.Id, run.State.Plan, run.Resources.Policy.Id, _registry, _gateway),
            $"{run.Id}-slot-{run.SlotsCreated++}");
        Context.Watch(actor);
        _slots[actor] = new Slot(run.Id);
        run.Slots.Add(actor);
        return actor;
    }

    private void CompleteIfDone(Run run)
    {
        // A run can be found done twice in one message (a sink error cancels, then completes): answer once.
        if (!run.State.IsDone || !_runs.Remove(run.Id))
        {
            return;
        }

        // Nothing is live any more, so every slot is idle: stop them.
        foreach (var actor in run.Slots)
        {
            _slots.Remove(actor);
            Context.Unwatch(actor);
            Context.Stop(actor);
        }

        run.Slots.Clear();
        run.Idle.Clear();
        run.ReplyTo.Tell(run.State.Completion(run.Id), _self);
    }

    private sealed class Run(string id, RolloutState state, IActorRef replyTo, RunResources resources)
    {
        public string Id { get; } = id;

        public RolloutState State { get; } = state;

        public IActorRef ReplyTo { get; } = replyTo;

        public RunResources Resources { get; } = resources;

        /// <summary>Every live slot of the run, busy or idle.</summary>
        public HashSet<IActorRef> Slots { get; } = [];

        /// <summary>Slots waiting for an episode (may hold slots that died since; checked on use).</summary>
        public Stack<IActorRef> Idle { get; } = new();

        public int SlotsCreated { get; set; }
    }

    private sealed class Slot(string runId)
    {
        public string RunId { get; } = runId;

        /// <summary>The episode it is playing, until it reports its end.</summary>
        public long? Episode { get; set; }
    }
}
