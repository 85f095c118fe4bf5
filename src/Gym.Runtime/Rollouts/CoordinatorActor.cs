using Akka.Actor;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Episodes;

namespace Gym.Runtime.Rollouts;

/// <summary>
/// Runs rollouts: starts episode actors up to each run's concurrency, supervises them (a crash
/// stops only that episode, whose partial trajectory is still reported), sends finished episodes
/// to the trajectory sink, and answers <see cref="RolloutCompleted"/> when a run has drained.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    private readonly EnvironmentRegistry _registry;
    private readonly RunCatalog _catalog;
    private readonly IActorRef _gateway;
    private readonly IActorRef _trajectories;
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, (string RunId, long Episode)> _children = [];

    /// <summary>Creates the coordinator; prefer <see cref="Props"/>.</summary>
    public CoordinatorActor(EnvironmentRegistry registry, RunCatalog catalog, IActorRef gateway, IActorRef trajectories)
    {
        _registry = registry;
        _catalog = catalog;
        _gateway = gateway;
        _trajectories = trajectories;
        Receive<StartRollout>(OnStart);
        Receive<CancelRollout>(OnCancel);
        Receive<EpisodeEnded>(OnEnded);
        Receive<EpisodeWritten>(OnWritten);
        Receive<Terminated>(OnTerminated);
    }

    /// <summary>Props for the coordinator.</summary>
    public static Props Props(EnvironmentRegistry registry, RunCatalog catalog, IActorRef gateway, IActorRef trajectories) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(registry, catalog, gateway, trajectories));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        // An episode cannot resume after an exception (its state is suspect) and restarting would
        // replay it: stop it, and let its PostStop report the partial trajectory as failed.
        new OneForOneStrategy(_ => Directive.Stop);

    private void OnStart(StartRollout start)
    {
        var run = new Run(new RolloutState(start.Plan), Sender, _catalog.Get(start.RunId));
        _runs[start.RunId] = run;
        StartEpisodes(start.RunId, run);
        CompleteIfDone(start.RunId, run);
    }

    private void OnCancel(CancelRollout cancel)
    {
        if (!_runs.TryGetValue(cancel.RunId, out var run))
        {
            return;
        }

        run.State.Cancel();
        foreach (var (child, owner) in _children)
        {
            if (owner.RunId == cancel.RunId)
            {
                child.Tell(CancelEpisode.Instance);
            }
        }

        CompleteIfDone(cancel.RunId, run);
    }

    private void OnEnded(EpisodeEnded ended)
    {
        if (_children.Remove(Sender))
        {
            Context.Unwatch(Sender);
        }

        Accept(ended.RunId, ended.Record);
    }

    private void OnTerminated(Terminated terminated)
    {
        // Death watch is the safety net for an episode actor that died without reporting.
        if (_children.Remove(terminated.ActorRef, out var owner) && _runs.TryGetValue(owner.RunId, out var run))
        {
            var recorder = new EpisodeRecorder(owner.Episode, run.State.Plan.EnvironmentId, run.State.Plan.SeedOf(owner.Episode), run.Resources.Policy.Id);
            Accept(owner.RunId, recorder.Fail("the episode actor stopped without reporting"));
        }
    }

    private void Accept(string runId, EpisodeRecord record)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return;
        }

        if (run.State.OnEnded(record))
        {
            _trajectories.Tell(new WriteEpisode(runId, record));
            return;
        }

        run.Resources.Observer?.OnEpisode(record);
        CompleteIfDone(runId, run);
    }

    private void OnWritten(EpisodeWritten written)
    {
        if (!_runs.TryGetValue(written.RunId, out var run))
        {
            return;
        }

        run.State.OnWritten(written.Record, written.Error);
        if (written.Error is null)
        {
            run.Resources.Observer?.OnEpisode(written.Record);
        }
        else
        {
            OnCancel(new CancelRollout(written.RunId));
        }

        StartEpisodes(written.RunId, run);
        CompleteIfDone(written.RunId, run);
    }

    private void StartEpisodes(string runId, Run run)
    {
        foreach (var start in run.State.TakeEpisodesToStart())
        {
            var child = Context.ActorOf(
                EpisodeActor.Props(runId, run.State.Plan, start, run.Resources.Policy.Id, _registry, _gateway),
                $"{runId}-episode-{start.Episode}");
            Context.Watch(child);
            _children[child] = (runId, start.Episode);
        }
    }

    private void CompleteIfDone(string runId, Run run)
    {
        // A run can be found done twice in one message (a sink error cancels, then completes): answer once.
        if (!run.State.IsDone || !_runs.Remove(runId))
        {
            return;
        }

        var state = run.State;
        run.ReplyTo.Tell(new RolloutCompleted(runId, state.Finished, state.Failed, state.Cancelled, state.SinkError)
        {
            Curriculum = state.Curriculum?.History ?? [],
        });
    }

    private sealed record Run(RolloutState State, IActorRef ReplyTo, RunResources Resources);
}
