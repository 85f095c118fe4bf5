using Gym.Core.Trajectories;

namespace Gym.Runtime.Rollouts;

/// <summary>
/// The coordinator's bookkeeping for one run, kept out of the actor so it can be tested alone:
/// which episodes to start next, which are live, and when the run is over. An episode stays
/// "live" until the sink has written it, so a slow sink holds back new episodes (backpressure).
/// </summary>
public sealed class RolloutState(RolloutPlan plan)
{
    private readonly HashSet<long> _live = [];
    private long _next = plan.FirstEpisode;

    /// <summary>The plan.</summary>
    public RolloutPlan Plan { get; } = plan;

    /// <summary>The curriculum's schedule, when the plan has one.</summary>
    public CurriculumSchedule? Curriculum { get; } = plan.Curriculum is null ? null : new CurriculumSchedule(plan.Curriculum);

    /// <summary>Episodes completed and written.</summary>
    public int Finished { get; private set; }

    /// <summary>Episodes that failed and were written.</summary>
    public int Failed { get; private set; }

    /// <summary>Episodes cut short by cancellation.</summary>
    public int Cancelled { get; private set; }

    /// <summary>The first sink error, which stops the run.</summary>
    public string? SinkError { get; private set; }

    /// <summary>Whether the run was asked to stop.</summary>
    public bool IsCancelling { get; private set; }

    /// <summary>Episodes started and not yet written or dropped.</summary>
    public IReadOnlyCollection<long> Live => _live;

    /// <summary>Whether nothing is live and nothing more will start.</summary>
    public bool IsDone => _live.Count == 0 && (_next >= Plan.Episodes || IsCancelling || SinkError is not null);

    /// <summary>
    /// The episodes to start now, marking them live. With a curriculum, an episode whose window's
    /// level is not decided yet waits until the previous window has ended.
    /// </summary>
    public IReadOnlyList<EpisodeStart> TakeEpisodesToStart()
    {
        var start = new List<EpisodeStart>();
        while (!IsCancelling && SinkError is null && _next < Plan.Episodes && _live.Count < Plan.Concurrency)
        {
            var level = Curriculum?.LevelFor(_next);
            if (Curriculum is not null && level is null)
            {
                break;
            }

            _live.Add(_next);
            start.Add(new EpisodeStart(_next++, level, ParametersAt(level)));
        }

        return start;
    }

    private IReadOnlyDictionary<string, string> ParametersAt(int? level)
    {
        if (level is not { } l || Curriculum is null)
        {
            return Plan.Parameters;
        }

        return new Dictionary<string, string>(Plan.Parameters, StringComparer.Ordinal) { [Curriculum.Parameter] = Curriculum.ValueOf(l) };
    }

    /// <summary>Records an episode's end; returns whether it should be written to the sink.</summary>
    public bool OnEnded(EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status == EpisodeStatus.Cancelled)
        {
            Cancelled++;
            _live.Remove(record.Episode);
            return false;
        }

        return true;
    }

    /// <summary>Records that the sink wrote (or failed to write) an episode.</summary>
    public void OnWritten(EpisodeRecord record, string? error)
    {
        ArgumentNullException.ThrowIfNull(record);
        _live.Remove(record.Episode);
        Curriculum?.Record(record.Episode, record.Success);
        if (error is not null)
        {
            SinkError ??= error;
        }
        else if (record.Status == EpisodeStatus.Failed)
        {
            Failed++;
        }
        else
        {
            Finished++;
        }
    }

    /// <summary>Stops starting new episodes.</summary>
    public void Cancel() => IsCancelling = true;

    /// <summary>The message that reports the finished run <paramref name="runId"/> to whoever started it.</summary>
    public RolloutCompleted Completion(string runId) =>
        new(runId, Finished, Failed, Cancelled, SinkError) { Curriculum = Curriculum?.History ?? [] };
}

/// <summary>An episode the coordinator should start.</summary>
/// <param name="Episode">Its index.</param>
/// <param name="CurriculumLevel">Its curriculum level, when the plan has a curriculum.</param>
/// <param name="Parameters">The environment parameters it plays with (the curriculum's value included).</param>
public sealed record EpisodeStart(long Episode, int? CurriculumLevel, IReadOnlyDictionary<string, string> Parameters);
