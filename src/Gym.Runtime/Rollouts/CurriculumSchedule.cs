using System.Globalization;

namespace Gym.Runtime.Rollouts;

/// <summary>A curriculum over one environment parameter (e.g. <c>difficulty</c> or <c>k</c>).</summary>
/// <param name="Parameter">The environment parameter the levels set.</param>
/// <param name="Levels">The parameter's values, easiest first (at least two).</param>
/// <param name="PromoteAt">Success rate over a window at or above which the next window moves up one level, in (0, 1).</param>
/// <param name="Window">Episodes per evaluation window.</param>
public sealed record CurriculumPlan(string Parameter, IReadOnlyList<string> Levels, double PromoteAt, int Window)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Parameter))
        {
            throw new ArgumentException("a curriculum needs the parameter it schedules");
        }

        if (Levels is null || Levels.Count < 2)
        {
            throw new ArgumentException("a curriculum needs at least two levels");
        }

        if (!(PromoteAt > 0 && PromoteAt < 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"a curriculum's promotion threshold must be between 0 and 1 exclusive (got {PromoteAt})"));
        }

        if (Window < 1)
        {
            throw new ArgumentException($"a curriculum's window must be at least 1 episode (got {Window})");
        }
    }
}

/// <summary>One evaluated window of a curriculum.</summary>
/// <param name="Window">The window's index (episodes <c>Window × size</c> onwards).</param>
/// <param name="Level">The level its episodes played.</param>
/// <param name="SuccessRate">Their success rate.</param>
/// <param name="Promoted">Whether the next window moved up a level.</param>
public sealed record CurriculumStep(long Window, int Level, double SuccessRate, bool Promoted);

/// <summary>
/// Decides each episode's curriculum level deterministically. Episodes are grouped in windows of
/// <see cref="CurriculumPlan.Window"/> by index; window w plays one level, decided only once every
/// episode of window w−1 has ended (promote when its success rate reaches the threshold). A level
/// therefore never depends on which episodes happened to finish first, so the same seed gives the
/// same run at any concurrency; the price is a barrier at each window boundary.
/// </summary>
public sealed class CurriculumSchedule
{
    private readonly CurriculumPlan _plan;
    private readonly List<int> _levels = [0];
    private readonly Dictionary<long, (int Ended, int Succeeded)> _windows = [];
    private readonly List<CurriculumStep> _history = [];

    /// <summary>Creates the schedule; the first window plays level 0.</summary>
    public CurriculumSchedule(CurriculumPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        _plan = plan;
    }

    /// <summary>The windows evaluated so far.</summary>
    public IReadOnlyList<CurriculumStep> History => _history;

    /// <summary>The level of <paramref name="episode"/>, or null while the previous window is still running.</summary>
    public int? LevelFor(long episode)
    {
        var window = episode / _plan.Window;
        return window < _levels.Count ? _levels[(int)window] : null;
    }

    /// <summary>The parameter value for a level.</summary>
    public string ValueOf(int level) => _plan.Levels[level];

    /// <summary>The scheduled parameter.</summary>
    public string Parameter => _plan.Parameter;

    /// <summary>Records an ended episode; completing a window decides the next window's level.</summary>
    public void Record(long episode, bool success)
    {
        var window = episode / _plan.Window;
        _windows.TryGetValue(window, out var counts);
        counts = (counts.Ended + 1, counts.Succeeded + (success ? 1 : 0));
        _windows[window] = counts;

        // Windows complete in index order only: a later window cannot be decided before an earlier one.
        while (_windows.TryGetValue(_levels.Count - 1, out var current) && current.Ended == _plan.Window)
        {
            var level = _levels[^1];
            var rate = current.Succeeded / (double)_plan.Window;
            var promote = rate >= _plan.PromoteAt && level < _plan.Levels.Count - 1;
            _history.Add(new CurriculumStep(_levels.Count - 1, level, rate, promote));
            _levels.Add(promote ? level + 1 : level);
        }
    }
}
