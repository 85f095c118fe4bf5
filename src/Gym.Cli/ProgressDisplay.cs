using System.Globalization;
using Gym.Runtime.Rollouts;
using Spectre.Console;

namespace Gym.Cli;

/// <summary>
/// Shows a run's progress: a live bar on a terminal, or a plain line every 10% when output is
/// redirected (CI logs, pipes). Progress reports arrive from actor threads; only this class's
/// polling loop touches the console.
/// </summary>
internal static class ProgressDisplay
{
    // plainLines: plain lines on stderr even on a terminal, where stdout is kept for a machine-read summary.
    public static async Task<RolloutResult> RunAsync(int total, bool enabled, Func<IProgress<RolloutProgress>, Task<RolloutResult>> run, bool plainLines = false)
    {
        var latest = new LatestProgress();
        if (!enabled)
        {
            return await run(latest);
        }

        if (plainLines || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await PlainAsync(total, latest, run(latest));
        }

        RolloutResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("episodes", maxValue: Math.Max(1, total));
                var running = run(latest);
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(100));
                    Update(task, latest.Value, total);
                }

                result = await running;
                Update(task, latest.Value, total);
                task.StopTask();
            });
        return result!;
    }

    private static async Task<RolloutResult> PlainAsync(int total, LatestProgress latest, Task<RolloutResult> running)
    {
        var nextTenth = 1;
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(200));
            if (latest.Value is { } p && total > 0 && p.Done * 10 >= nextTenth * total)
            {
                nextTenth = (p.Done * 10 / total) + 1;
                await Console.Error.WriteLineAsync(Describe(p, total));
            }
        }

        return await running;
    }

    private static void Update(ProgressTask task, RolloutProgress? progress, int total)
    {
        if (progress is null)
        {
            return;
        }

        task.Value = progress.Done;
        task.Description = Markup.Escape(Describe(progress, total));
    }

    private static string Describe(RolloutProgress p, int total) => string.Create(
        CultureInfo.InvariantCulture,
        $"episodes {p.Done}/{total}  {p.StepsPerSecond:0} steps/s  mean reward {p.MeanReward:0.000}{(p.Failed > 0 ? $"  failed {p.Failed}" : "")}");

    private sealed class LatestProgress : IProgress<RolloutProgress>
    {
        private RolloutProgress? _value;

        public RolloutProgress? Value => Volatile.Read(ref _value);

        public void Report(RolloutProgress value)
        {
            // Reports can arrive out of order from different threads; keep the most advanced one.
            RolloutProgress? current;
            do
            {
                current = Volatile.Read(ref _value);
                if (current is not null && current.Done >= value.Done)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _value, value, current) != current);
        }
    }
}
