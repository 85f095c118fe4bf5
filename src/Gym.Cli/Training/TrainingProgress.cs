using Spectre.Console;

namespace Gym.Cli.Training;

/// <summary>
/// A progress bar over the steps of a training command: live on a terminal, a plain line every 10% (and at
/// every evaluation) when output is redirected. Updates may come from any thread; only this class writes.
/// </summary>
internal sealed class TrainingProgress
{
    private readonly int _total;
    private readonly bool _enabled;
    private ProgressTask? _task;
    private int _nextTenth = 1;

    private TrainingProgress(int total, bool enabled)
    {
        _total = Math.Max(1, total);
        _enabled = enabled;
    }

    /// <summary>Runs <paramref name="work"/> under a bar of <paramref name="total"/> steps named <paramref name="label"/>.</summary>
    public static async Task<T> RunAsync<T>(string label, int total, bool enabled, Func<TrainingProgress, Task<T>> work)
    {
        var progress = new TrainingProgress(total, enabled);
        if (!enabled || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await work(progress);
        }

        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                progress._task = context.AddTask(Markup.Escape(label), maxValue: progress._total);
                result = await work(progress);
                progress._task.StopTask();
            });
        return result;
    }

    /// <summary>
    /// A one-off line worth keeping (the time estimate): on stderr, even with --no-progress, unless a live
    /// bar is drawn; the bar shows it as its status until the next step, and its own remaining-time column goes on.
    /// </summary>
    public void Note(string line)
    {
        if (_task is { } task)
        {
            task.Description = Markup.Escape(line);
            return;
        }

        Console.Error.WriteLine(line);
    }

    /// <summary>Reports that <paramref name="done"/> steps are finished, with a one-line status.</summary>
    public void Report(int done, string status, bool important = false)
    {
        if (!_enabled)
        {
            return;
        }

        if (_task is { } task)
        {
            task.Value = done;
            task.Description = Markup.Escape(status);
            return;
        }

        if (important || done * 10 >= _nextTenth * _total)
        {
            _nextTenth = Math.Max(_nextTenth, (done * 10 / _total) + 1);
            Console.Error.WriteLine(status);
        }
    }
}
