using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;

namespace Gym.Runtime.Episodes;

/// <summary>
/// One live episode: Resetting → AwaitingAction ⇄ Stepping → ended. A thin shell over
/// <see cref="EpisodeRecorder"/>: environment calls run as tasks piped back as messages, so the
/// actor never blocks and its state is only touched by its own messages. It reports its end to its
/// parent exactly once; if it crashes, <see cref="PostStop"/> reports the partial trajectory.
/// </summary>
public sealed class EpisodeActor : ReceiveActor
{
    private readonly string _runId;
    private readonly long _episode;
    private readonly long _seed;
    private readonly bool _recordTimings;
    private readonly IActorRef _gateway;
    private readonly EnvironmentRegistry _registry;
    private readonly RolloutPlan _plan;
    private readonly EpisodeStart _start;
    private readonly string _policyId;
    private readonly Stopwatch _clock = new();
    private IEnvironment? _environment;
    private readonly EpisodeRecorder _recorder;
    private AgentAction? _pendingAction;
    private Exception? _crash;
    private bool _reported;
    private long _policyTicks;
    private long _environmentTicks;
    private long _phaseStart;

    /// <summary>Creates the actor; prefer <see cref="Props"/>.</summary>
    public EpisodeActor(string runId, RolloutPlan plan, EpisodeStart start, string policyId, EnvironmentRegistry registry, IActorRef gateway)
    {
        _runId = runId;
        _plan = plan;
        _start = start;
        var episode = start.Episode;
        _episode = episode;
        _seed = plan.SeedOf(episode);
        _recordTimings = plan.RecordTimings;
        _policyId = policyId;
        _registry = registry;
        _gateway = gateway;
        // Both are shared, cached instances: the plan was validated before any episode started.
        _recorder = new EpisodeRecorder(episode, plan.EnvironmentId, _seed, policyId, ContextPolicy.Create(plan.Memory), TokenCounters.Create(plan.Tokenizer));

        Receive<ResetDone>(OnReset);
        Receive<ActionChosen>(OnAction);
        Receive<StepDone>(OnStep);
        Receive<ActionFailed>(failed => End(_recorder.Fail($"policy failed: {failed.Error}", Timings())));
        Receive<EnvironmentFailed>(failed => End(_recorder.Fail($"environment failed: {Describe(failed.Error)}", Timings())));
        Receive<CancelEpisode>(_ => End(_recorder.Cancel(Timings())));
    }

    /// <summary>Props for one episode of a run.</summary>
    public static Props Props(string runId, RolloutPlan plan, EpisodeStart start, string policyId, EnvironmentRegistry registry, IActorRef gateway) =>
        Akka.Actor.Props.Create(() => new EpisodeActor(runId, plan, start, policyId, registry, gateway));

    /// <inheritdoc />
    protected override void PreStart()
    {
        _clock.Start();
        try
        {
            _environment = _registry.Make(_plan.EnvironmentId, new EnvironmentParameters(_start.Parameters));
            _phaseStart = _clock.ElapsedTicks;
            Run(_environment.ResetAsync(_seed), result => new ResetDone(result));
        }
        catch (Exception ex)
        {
            // Akka does not call PostStop for an actor that failed in PreStart, so report here.
            _crash = ex;
            Report(_recorder.Fail($"episode crashed: {Describe(ex)}", Timings()));
            throw;
        }
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
    protected override void PostStop()
    {
        if (!_reported)
        {
            var why = _crash is null ? "the episode actor stopped before the episode ended" : $"episode crashed: {Describe(_crash)}";
            Report(_recorder.Fail(why, Timings()));
        }
    }

    private void OnReset(ResetDone done)
    {
        _environmentTicks += _clock.ElapsedTicks - _phaseStart;
        var reset = _start.CurriculumLevel is { } level
            ? done.Result with { Info = done.Result.Info.With("curriculum_level", level) }
            : done.Result;
        _recorder.Reset(reset);
        AskForAction();
    }

    private void OnAction(ActionChosen chosen)
    {
        _policyTicks += _clock.ElapsedTicks - _phaseStart;
        _pendingAction = chosen.Action;
        _phaseStart = _clock.ElapsedTicks;
        Run(_environment!.StepAsync(chosen.Action), result => new StepDone(result));
    }

    private void OnStep(StepDone done)
    {
        _environmentTicks += _clock.ElapsedTicks - _phaseStart;
        _recorder.Step(_pendingAction!, done.Result);
        if (_recorder.IsDone)
        {
            End(_recorder.Complete(Timings()));
        }
        else
        {
            AskForAction();
        }
    }

    private void AskForAction()
    {
        _phaseStart = _clock.ElapsedTicks;
        var episodeId = _episode.ToString(CultureInfo.InvariantCulture);
        // The view's message list is built fresh each turn and never mutated, so it can travel as is.
        _gateway.Tell(new RequestAction(_runId, new PolicyRequest(episodeId, _seed, _recorder.TurnCount, _recorder.Context, _start.CurriculumLevel is null ? null : _start.Parameters)));
    }

    private void Run<T>(ValueTask<T> pending, Func<T, object> onSuccess)
    {
        // Synchronous environments answer at once; only truly asynchronous work goes through the mailbox.
        if (pending.IsCompletedSuccessfully)
        {
            Self.Tell(onSuccess(pending.Result));
            return;
        }

        pending.AsTask().PipeTo(Self, success: onSuccess, failure: ex => new EnvironmentFailed(ex));
    }

    private void End(EpisodeRecord record)
    {
        Report(record);
        Context.Stop(Self);
    }

    private void Report(EpisodeRecord record)
    {
        if (_reported)
        {
            return;
        }

        _reported = true;
        Context.Parent.Tell(new EpisodeEnded(_runId, record));
    }

    private EpisodeTimings? Timings() => _recordTimings
        ? new EpisodeTimings(_clock.Elapsed.TotalMilliseconds, TicksToMs(_policyTicks), TicksToMs(_environmentTicks))
        : null;

    private static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string Describe(Exception ex)
    {
        var inner = ex is AggregateException { InnerException: { } only } ? only : ex;
        return $"{inner.GetType().Name}: {inner.Message}";
    }

    private sealed record ResetDone(ResetResult Result);

    private sealed record StepDone(StepResult Result);

    private sealed record EnvironmentFailed(Exception Error);
}
