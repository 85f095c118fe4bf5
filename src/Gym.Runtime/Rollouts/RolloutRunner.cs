using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Gym.Core;
using Gym.Core.Policies;
using Gym.Core.Trajectories;

namespace Gym.Runtime.Rollouts;

/// <summary>Live progress of a run, reported after every episode.</summary>
/// <param name="Done">Episodes ended (completed, failed or cancelled).</param>
/// <param name="Failed">Episodes that failed.</param>
/// <param name="Total">Episodes planned (those a resumed run still has to play).</param>
/// <param name="Steps">Environment steps taken by ended episodes.</param>
/// <param name="MeanReward">Mean total reward of completed episodes.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record RolloutProgress(int Done, int Failed, int Total, long Steps, double MeanReward, TimeSpan Elapsed)
{
    /// <summary>Steps per second so far.</summary>
    public double StepsPerSecond => Elapsed.TotalSeconds > 0 ? Steps / Elapsed.TotalSeconds : 0;
}

/// <summary>The end of a run.</summary>
/// <param name="Summary">Statistics over every ended episode.</param>
/// <param name="Completion">The coordinator's counts.</param>
/// <param name="Elapsed">Wall time of the run.</param>
/// <param name="WasCancelled">Whether the run was stopped early.</param>
public sealed record RolloutResult(RolloutSummary Summary, RolloutCompleted Completion, TimeSpan Elapsed, bool WasCancelled);

/// <summary>
/// The edge between callers (CLI, services, tests) and the coordinator actor: registers the run's
/// policy and sink, starts the run, turns cancellation into <see cref="CancelRollout"/>, and
/// completes the sink so its file is whole before the result is returned.
/// </summary>
public sealed class RolloutRunner
{
    private readonly Func<CancellationToken, Task<IActorRef>> _coordinator;
    private readonly RunCatalog _catalog;

    /// <summary>A runner over this process's <see cref="CoordinatorActor"/>.</summary>
    public RolloutRunner(IRequiredActor<CoordinatorActor> coordinator, RunCatalog catalog)
        : this(coordinator is null ? throw new ArgumentNullException(nameof(coordinator)) : coordinator.GetAsync, catalog)
    {
    }

    /// <summary>
    /// A runner over any coordinator that answers <see cref="StartRollout"/> and <see cref="CancelRollout"/>
    /// as <see cref="CoordinatorActor"/> does (a cluster head's, for one).
    /// </summary>
    public RolloutRunner(Func<CancellationToken, Task<IActorRef>> coordinator, RunCatalog catalog)
    {
        _coordinator = coordinator;
        _catalog = catalog;
    }

    /// <summary>Plays <paramref name="plan"/>; on cancellation, finished episodes are still written and the result says so.</summary>
    public async Task<RolloutResult> RunAsync(RolloutPlan plan, IPolicy policy, ITrajectorySink sink, IProgress<RolloutProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(sink);
        plan.Validate();

        var clock = Stopwatch.StartNew();
        var observer = new ProgressObserver(checked((int)(plan.Episodes - plan.FirstEpisode)), clock, progress);
        var runId = _catalog.Add(new RunResources(policy, sink, observer));
        try
        {
            var actor = await _coordinator(cancellationToken).ConfigureAwait(false);
            var completion = actor.Ask<RolloutCompleted>(new StartRollout(runId, plan), Timeout.InfiniteTimeSpan, CancellationToken.None);
            using (cancellationToken.Register(() => actor.Tell(new CancelRollout(runId))))
            {
                var completed = await completion.ConfigureAwait(false);
                StartupTrace.Mark("rollout completed (every line handed to the sink)");
                await sink.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                StartupTrace.Mark("output file complete");
                if (completed.SinkError is not null)
                {
                    throw new TrajectorySinkException($"writing rollouts failed: {completed.SinkError}");
                }

                return new RolloutResult(observer.Summary(), completed, clock.Elapsed, cancellationToken.IsCancellationRequested);
            }
        }
        finally
        {
            _catalog.Remove(runId);
        }
    }

    private sealed class ProgressObserver(int total, Stopwatch clock, IProgress<RolloutProgress>? progress) : IRolloutObserver
    {
        private readonly Lock _lock = new();
        private readonly RolloutSummaryBuilder _summary = new();
        private int _done;
        private int _failed;
        private int _completed;
        private long _steps;
        private double _rewardSum;

        public void OnEpisode(EpisodeRecord record)
        {
            RolloutProgress snapshot;
            lock (_lock)
            {
                _summary.Add(record);
                _done++;
                _steps += record.Turns.Count;
                if (record.Status == EpisodeStatus.Failed)
                {
                    _failed++;
                }
                else if (record.Status == EpisodeStatus.Completed)
                {
                    _completed++;
                    _rewardSum += record.TotalReward;
                }

                snapshot = new RolloutProgress(_done, _failed, total, _steps, _completed == 0 ? 0 : _rewardSum / _completed, clock.Elapsed);
            }

            progress?.Report(snapshot);
        }

        public RolloutSummary Summary()
        {
            lock (_lock)
            {
                return _summary.Build();
            }
        }
    }
}
