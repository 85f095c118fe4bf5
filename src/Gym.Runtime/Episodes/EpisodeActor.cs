using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;

namespace Gym.Runtime.Episodes;

/// <summary>
/// One of a run's episode slots: a long-lived actor that plays the episodes its coordinator hands
/// it (<see cref="PlayEpisode"/>), one at a time: Idle → Resetting → AwaitingAction ⇄ Stepping →
/// ended → Idle. A thin shell over <see cref="EpisodeRecorder"/>: a fresh environment and recorder
/// per episode; environment calls that complete synchronously are handled inline, truly
/// asynchronous ones are piped back as messages, so the actor never blocks and its state is only
/// touched by its own messages. It reports each episode's end to its parent exactly once; if it
/// crashes, it is stopped (never restarted) and <see cref="PostStop"/> reports the partial trajectory
/// of the episode it was playing, marked so that the coordinator replaces the slot.
/// </summary>
public sealed class EpisodeActor : UntypedActor
{
    private readonly string _runId;
    private readonly RolloutPlan _plan;
    private readonly string _policyId;
    private readonly IActorRef _gateway;
    private readonly EnvironmentRegistry _registry;
    private readonly IContextPolicy _contextPolicy;
    private readonly ITokenCounter _tokenCounter;
    private readonly Stopwatch _clock = new();
    private IActorRef _self = ActorRefs.Nobody;
    private IActorRef _parent = ActorRefs.Nobody;

    // The episode being played; all reset when it ends.
    private Phase _phase;
    private long _ticket;
    private EpisodeStart? _start;
    private long _seed;
    private string _episodeId = string.Empty;
    private IEnvironment? _environment;
    private EpisodeRecorder? _recorder;
    private AgentAction? _pendingAction;
    private Exception? _crash;
    private long _policyTicks;
    private long _environmentTicks;
    private long _phaseStart;

    /// <summary>Creates the actor; prefer <see cref="Props"/>.</summary>
    public EpisodeActor(string runId, RolloutPlan plan, string policyId, EnvironmentRegistry registry, IActorRef gateway)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _runId = runId;
        _plan = plan;
        _policyId = policyId;
        _registry = registry;
        _gateway = gateway;
        // Both are shared, cached instances: the plan was validated before any episode started.
        _contextPolicy = ContextPolicy.Create(plan.Memory);
        _tokenCounter = TokenCounters.Create(plan.Tokenizer);
    }

    private enum Phase
    {
        Idle,
        Resetting,
        AwaitingAction,
        Stepping,
    }

    /// <summary>Props for one episode slot of a run.</summary>
    public static Props Props(string runId, RolloutPlan plan, string policyId, EnvironmentRegistry registry, IActorRef gateway) =>
        Akka.Actor.Props.Create(() => new EpisodeActor(runId, plan, policyId, registry, gateway));

    /// <inheritdoc />
    protected override void PreStart()
    {
        // Self and Parent never change; reading them once saves a thread-static look-up per message.
        _self = Self;
        _parent = Context.Parent;
    }

    /// <inheritdoc />
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception ex)
        {
            // Kept so PostStop can say why the supervisor stopped us.
            _crash = ex;
            throw;
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PlayEpisode play:
                Play(play.Start);
                break;
            case ActionChosen chosen:
                if (_phase == Phase.AwaitingAction && chosen.Ticket == _ticket)
                {
                    OnAction(chosen.Action);
                }

                break;
            case StepDone done:
                if (_phase == Phase.Stepping && done.Ticket == _ticket)
                {
                    OnStep(done.Result);
                }

                break;
            case ResetDone done:
                if (_phase == Phase.Resetting && done.Ticket == _ticket)
                {
                    OnReset(done.Result);
                }

                break;
            case ActionFailed failed:
                if (_phase == Phase.AwaitingAction && failed.Ticket == _ticket)
                {
                    End(_recorder!.Fail($"policy failed: {failed.Error}", Timings()));
                }

                break;
            case EnvironmentFailed failed:
                if (_phase is Phase.Resetting or Phase.Stepping && failed.Ticket == _ticket)
                {
                    End(_recorder!.Fail($"environment failed: {Describe(failed.Error)}", Timings()));
                }

                break;
            case CancelEpisode:
                if (_phase != Phase.Idle)
                {
                    End(_recorder!.Cancel(Timings()));
                }

                break;
            default:
                // A late answer for an episode that has already ended lands above and is dropped;
                // anything else is not for us.
                Unhandled(message);
                break;
        }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        try
        {
            // The slot made the episode's environment, so it disposes it: after a crash, a
            // cancellation or a shutdown as after an ended episode (before reporting, so that a
            // finished run has released every environment it made).
            ReleaseEnvironment();
        }
        finally
        {
            if (_phase != Phase.Idle)
            {
                var why = _crash is null ? "the episode actor stopped before the episode ended" : $"episode crashed: {Describe(_crash)}";
                Report(_recorder!.Fail(why, Timings()), slotStopped: true);
            }
        }
    }

    private void ReleaseEnvironment()
    {
        var environment = _environment;
        _environment = null;
        environment?.Dispose();
    }

    // Members of a same-seed group are attempts 0..G-1 at one task: same task, fresh noise.
    private int Attempt => (int)(_start!.Episode % _plan.GroupSize);

    private void Play(EpisodeStart start)
    {
        if (_phase != Phase.Idle)
        {
            throw new InvalidOperationException($"episode slot asked to play episode {start.Episode} while playing episode {_start!.Episode}");
        }

        StartupTrace.MarkOnce("first episode started");
        _ticket++;
        _start = start;
        _seed = _plan.SeedOf(start.Episode);
        _episodeId = start.Episode.ToString(CultureInfo.InvariantCulture);
        _recorder = new EpisodeRecorder(start.Episode, _plan.EnvironmentId, _seed, _policyId, _contextPolicy, _tokenCounter);
        _policyTicks = 0;
        _environmentTicks = 0;
        _clock.Restart();
        _phase = Phase.Resetting;

        // A constructor or a reset that throws is a crash of this episode: the supervisor stops the
        // slot, and PostStop reports the (empty) episode as failed.
        // The run seed rides along as a reserved parameter, so that a dataset task can recover the episode's
        // index from its seed and walk its questions in order (order: sequential | shuffled); others ignore it.
        _environment = _registry.Make(_plan.EnvironmentId, new EnvironmentParameters(EnvironmentParameters.WithRunSeed(start.Parameters, _plan.Seed)));
        _phaseStart = _clock.ElapsedTicks;
        var pending = _environment.ResetAsync(_seed, Attempt);
        if (pending.IsCompletedSuccessfully)
        {
            OnReset(pending.Result);
            return;
        }

        var ticket = _ticket;
        pending.AsTask().PipeTo(_self, success: result => new ResetDone(ticket, result), failure: ex => new EnvironmentFailed(ticket, ex));
    }

    private void OnReset(ResetResult result)
    {
        _environmentTicks += _clock.ElapsedTicks - _phaseStart;
        var reset = _start!.CurriculumLevel is { } level
            ? result with { Info = result.Info.With("curriculum_level", level) }
            : result;
        _recorder!.Reset(reset);
        AskForAction();
    }

    private void OnAction(AgentAction action)
    {
        _policyTicks += _clock.ElapsedTicks - _phaseStart;
        _pendingAction = action;
        _phase = Phase.Stepping;
        _phaseStart = _clock.ElapsedTicks;
        var pending = _environment!.StepAsync(action);

        // Synchronous environments answer at once and are handled inline; only truly asynchronous
        // work goes through the mailbox.
        if (pending.IsCompletedSuccessfully)
        {
            OnStep(pending.Result);
            return;
        }

        var ticket = _ticket;
        pending.AsTask().PipeTo(_self, success: result => new StepDone(ticket, result), failure: ex => new EnvironmentFailed(ticket, ex));
    }

    private void OnStep(StepResult result)
    {
        _environmentTicks += _clock.ElapsedTicks - _phaseStart;
        var recorder = _recorder!;
        recorder.Step(_pendingAction!, result);
        _pendingAction = null;
        if (recorder.IsDone)
        {
            End(recorder.Complete(Timings()));
        }
        else
        {
            AskForAction();
        }
    }

    private void AskForAction()
    {
        _phase = Phase.AwaitingAction;
        _phaseStart = _clock.ElapsedTicks;
        var recorder = _recorder!;
        // The view's message list is built fresh each turn and never mutated, so it can travel as is.
        var request = new PolicyRequest(_episodeId, _seed, recorder.TurnCount, recorder.Context, _start!.CurriculumLevel is null ? null : _start.Parameters, Attempt);
        _gateway.Tell(new RequestAction(_runId, request) { Ticket = _ticket }, _self);
    }

    private void End(EpisodeRecord record)
    {
        // Released before the report: a disposal that throws crashes the episode like a failing step.
        ReleaseEnvironment();
        Report(record, slotStopped: false);
        StartupTrace.MarkOnce("first episode finished");

        // Back to idle: drop the episode's state so that an idle slot holds nothing alive.
        _phase = Phase.Idle;
        _start = null;
        _recorder = null;
        _pendingAction = null;
        _clock.Reset();
    }

    private void Report(EpisodeRecord record, bool slotStopped) =>
        _parent.Tell(new EpisodeEnded(_runId, record) { SlotStopped = slotStopped }, _self);

    private EpisodeTimings? Timings() => _plan.RecordTimings
        ? new EpisodeTimings(_clock.Elapsed.TotalMilliseconds, TicksToMs(_policyTicks), TicksToMs(_environmentTicks))
        : null;

    private static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string Describe(Exception ex)
    {
        var inner = ex is AggregateException { InnerException: { } only } ? only : ex;
        return $"{inner.GetType().Name}: {inner.Message}";
    }

    private sealed record ResetDone(long Ticket, ResetResult Result);

    private sealed record StepDone(long Ticket, StepResult Result);

    private sealed record EnvironmentFailed(long Ticket, Exception Error);
}
