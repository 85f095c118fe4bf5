using System.Globalization;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// Suite 1: environment steps per second of the arithmetic task with its expert policy, played
/// directly (EpisodeRunner in a loop, and C such loops on the thread pool) and through the actor
/// runtime at several concurrencies. Repetitions are interleaved in one process; medians reported.
/// </summary>
internal sealed class ThroughputSuite(BenchOptions options)
{
    private const string EnvironmentId = ToolUseEnvironments.Arithmetic;
    private static readonly Dictionary<string, string> NoParameters = [];

    private enum Mode
    {
        DirectLoop,
        DirectConcurrent,
        DirectInterleaved,
        Actors,
    }

    private sealed record Config(Mode Mode, int Concurrency, int Episodes)
    {
        public string Name => Mode switch
        {
            Mode.DirectLoop => "direct: EpisodeRunner loop",
            Mode.DirectConcurrent => $"direct: {Loops} Task.WhenAll",
            Mode.DirectInterleaved => $"direct: {Loops.TrimEnd(',')} interleaved (yield per step)",
            _ => $"actors: concurrency {Concurrency.ToString("N0", CultureInfo.InvariantCulture)}",
        };

        private string Loops => Concurrency == 1 ? "1 loop," : $"{Concurrency.ToString("N0", CultureInfo.InvariantCulture)} loops,";
    }

    private sealed record Sample(long Episodes, long Steps, long Errors, Cost Cost)
    {
        public double Seconds => Cost.WallSeconds;

        public double StepsPerSecond => Steps / Seconds;

        public double CpuMicrosecondsPerStep => Cost.CpuSeconds * 1e6 / Steps;

        public double AllocatedBytesPerStep => Cost.AllocatedBytes / (double)Steps;
    }

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        var configs = new List<Config> { new(Mode.DirectLoop, 1, options.EpisodesFor(1)) };
        configs.AddRange(options.DirectConcurrency.Select(c => new Config(Mode.DirectConcurrent, c, options.EpisodesFor(c))));
        configs.AddRange(options.InterleavedConcurrency.Select(c => new Config(Mode.DirectInterleaved, c, options.EpisodesFor(c))));
        configs.AddRange(options.ActorConcurrency.Select(c => new Config(Mode.Actors, c, options.EpisodesFor(c))));

        await using var host = await BenchHost.StartAsync("gym-bench-throughput").ConfigureAwait(false);
        var descriptor = host.Registry.Get(EnvironmentId);
        var policy = descriptor.CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));

        Progress.Line("throughput: warming up (direct and actors at every concurrency)");
        foreach (var config in configs)
        {
            await MeasureAsync(host, policy, config with { Episodes = Math.Max(512, Math.Min(config.Episodes / 2, config.Concurrency)) }).ConfigureAwait(false);
        }

        var samples = configs.ToDictionary(c => c, _ => new List<Sample>());
        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            foreach (var config in configs)
            {
                Stats.FullGc();
                var sample = await MeasureAsync(host, policy, config).ConfigureAwait(false);
                samples[config].Add(sample);
                Progress.Failed($"throughput, {config.Name}", sample.Errors);
                Progress.Line($"throughput rep {rep}/{options.Repetitions}: {config.Name,-36} {Stats.Num(sample.StepsPerSecond),9} steps/s  {sample.CpuMicrosecondsPerStep,6:0.0} CPU µs/step  {sample.AllocatedBytesPerStep / 1024,5:0.0} KiB/step  {sample.Cost.CoresBusy:0.00} cores  gen0/1/2 {sample.Cost.Gen0}/{sample.Cost.Gen1}/{sample.Cost.Gen2}  ({sample.Steps:N0} steps in {sample.Seconds:0.000} s, {sample.Errors} errors)");
            }
        }

        return [Throughput(configs, samples), Ratios(configs, samples)];
    }

    private ResultTable Throughput(List<Config> configs, Dictionary<Config, List<Sample>> samples)
    {
        var table = new ResultTable(
            $"Throughput: {EnvironmentId}, expert:{options.ErrorRate.ToString(CultureInfo.InvariantCulture)} (median of {options.Repetitions})",
            "mode", "episodes / rep", "steps/s (median)", "range", "CPU µs / step", "cores busy", "alloc KiB / step", "GC pause %", "failed episodes (all reps)");
        foreach (var config in configs)
        {
            var s = samples[config];
            table.Add(
                config.Name,
                Stats.Num(config.Episodes),
                Stats.Num(Stats.Median(s.Select(x => x.StepsPerSecond))),
                Stats.Range(s.Select(x => x.StepsPerSecond)),
                Stats.Num(Stats.Median(s.Select(x => x.CpuMicrosecondsPerStep)), 1),
                Stats.Num(Stats.Median(s.Select(x => x.Cost.CoresBusy)), 2),
                Stats.Num(Stats.Median(s.Select(x => x.AllocatedBytesPerStep / 1024)), 1),
                Stats.Num(Stats.Median(s.Select(x => 100 * x.Cost.GcPauseSeconds / x.Seconds)), 1),
                Stats.Num(s.Sum(x => x.Errors)));
        }

        table.Note("CPU µs / step = process CPU time (all threads) / steps: less sensitive than wall time to other processes on a shared machine; cores busy = CPU time / wall time.");
        table.Note("direct loops reuse one environment per loop; the runtime makes one environment per episode (in one of the run's long-lived episode actors).");
        table.Note("'C loops, Task.WhenAll' starts each loop with Task.Run, so C > 1 uses every core like the actor runtime does. Each loop runs synchronously to its end (the environment and the expert never really await), so only about one episode per core is in flight at any moment.");
        table.Note("'C loops interleaved' wraps the environment so that every step first does `await Task.Yield()`: C episodes are then really in flight at once, as in the actor runtime, with no actors involved.");
        table.Note($"actor runs use a real host (AddGymRuntime, default gateway options) and a {(options.InMemorySink ? "InMemoryTrajectorySink" : "counting null sink")}; each timing covers the whole RolloutRunner.RunAsync call (start and drain included).");
        return table;
    }

    private static ResultTable Ratios(List<Config> configs, Dictionary<Config, List<Sample>> samples)
    {
        var direct = configs.Where(c => c.Mode == Mode.DirectConcurrent).ToList();
        var interleaved = configs.Where(c => c.Mode == Mode.DirectInterleaved).ToList();
        var table = new ResultTable("Actors / direct throughput ratio (per repetition, same process; median)", "actor concurrency", "compared with", "steps/s ratio (median)", "range", "CPU-efficiency ratio (direct CPU/step ÷ actors CPU/step)", "target (steps/s)", "met");
        foreach (var actors in configs.Where(c => c.Mode == Mode.Actors))
        {
            // Same concurrency where a direct variant exists, else the direct variant with the most loops.
            var baseline = direct.FirstOrDefault(d => d.Concurrency == actors.Concurrency)
                ?? direct.OrderByDescending(d => d.Concurrency).FirstOrDefault()
                ?? configs[0];
            AddRatio(table, samples, actors, baseline, actors.Concurrency >= 64);
            var sameLiveSet = interleaved.FirstOrDefault(d => d.Concurrency == actors.Concurrency);
            if (sameLiveSet is not null)
            {
                AddRatio(table, samples, actors, sameLiveSet, isTarget: false);
            }
        }

        table.Note("each ratio is computed per repetition from measurements taken seconds apart in the same process, then the median is taken; the target is judged on the comparison with plain direct loops.");
        table.Note("CPU-efficiency ratio = direct CPU µs per step ÷ actors CPU µs per step: how much of the process's CPU time per step the runtime adds, whatever share of the machine the process got.");
        return table;
    }

    private static void AddRatio(ResultTable table, Dictionary<Config, List<Sample>> samples, Config actors, Config baseline, bool isTarget)
    {
        var ratios = samples[actors].Zip(samples[baseline], (a, d) => a.StepsPerSecond / d.StepsPerSecond).ToList();
        var cpuRatios = samples[actors].Zip(samples[baseline], (a, d) => d.CpuMicrosecondsPerStep / a.CpuMicrosecondsPerStep).ToList();
        var median = Stats.Median(ratios);
        var target = isTarget ? "≥ 50%" : "(none)";
        var met = isTarget ? (median >= 0.5 ? "yes" : "no") : "–";
        table.Add(Stats.Num(actors.Concurrency), baseline.Name, $"{median * 100:0.0}%", $"{ratios.Min() * 100:0.0}–{ratios.Max() * 100:0.0}%", $"{Stats.Median(cpuRatios) * 100:0.0}%", target, met);
    }

    private async Task<Sample> MeasureAsync(BenchHost host, IPolicy policy, Config config) => config.Mode switch
    {
        Mode.DirectLoop => await DirectAsync(host.Registry, policy, config, inline: true).ConfigureAwait(false),
        Mode.DirectConcurrent => await DirectAsync(host.Registry, policy, config, inline: false).ConfigureAwait(false),
        Mode.DirectInterleaved => await DirectAsync(host.Registry, policy, config, inline: false, interleaved: true).ConfigureAwait(false),
        _ => await ActorsAsync(host, policy, config).ConfigureAwait(false),
    };

    private async Task<Sample> DirectAsync(EnvironmentRegistry registry, IPolicy policy, Config config, bool inline, bool interleaved = false)
    {
        var plan = Plan(config);
        var meter = new Meter();
        Totals[] totals;
        if (inline)
        {
            totals = [await LoopAsync(registry, policy, plan, 0, 1, interleaved).ConfigureAwait(false)];
        }
        else
        {
            totals = await Task.WhenAll(Enumerable.Range(0, config.Concurrency)
                .Select(w => Task.Run(() => LoopAsync(registry, policy, plan, w, config.Concurrency, interleaved)))).ConfigureAwait(false);
        }

        var cost = meter.Stop();
        return new Sample(totals.Sum(t => t.Episodes), totals.Sum(t => t.Steps), totals.Sum(t => t.Errors), cost);
    }

    private readonly record struct Totals(long Episodes, long Steps, long Errors);

    private static async Task<Totals> LoopAsync(EnvironmentRegistry registry, IPolicy policy, RolloutPlan plan, int first, int stride, bool interleaved)
    {
        var environment = registry.Make(plan.EnvironmentId);
        if (interleaved)
        {
            environment = new YieldingEnvironment(environment);
        }

        long episodes = 0, steps = 0, errors = 0;
        for (long episode = first; episode < plan.Episodes; episode += stride)
        {
            try
            {
                var record = await EpisodeRunner.RunAsync(environment, policy, episode, plan.SeedOf(episode)).ConfigureAwait(false);
                episodes++;
                steps += record.Turns.Count;
            }
#pragma warning disable CA1031 // A benchmark counts failures instead of stopping at the first one.
            catch (Exception)
#pragma warning restore CA1031
            {
                errors++;
            }
        }

        return new Totals(episodes, steps, errors);
    }

    private async Task<Sample> ActorsAsync(BenchHost host, IPolicy policy, Config config)
    {
        var plan = Plan(config);
        var counting = new CountingSink();
        var memory = new InMemoryTrajectorySink();
        ITrajectorySink sink = options.InMemorySink ? memory : counting;
        var meter = new Meter();
        var result = await host.Runner.RunAsync(plan, policy, sink).ConfigureAwait(false);
        var cost = meter.Stop();
        long steps;
        if (options.InMemorySink)
        {
            steps = memory.Snapshot().Sum(r => (long)r.Turns.Count);
        }
        else
        {
            steps = counting.Steps;
        }

        var completion = result.Completion;
        var missing = plan.Episodes - completion.Finished - completion.Failed;
        var errors = completion.Failed + missing + (completion.SinkError is null ? 0 : 1);
        return new Sample(completion.Finished, steps, errors, cost);
    }

    private RolloutPlan Plan(Config config) => new(EnvironmentId, NoParameters, config.Episodes, config.Concurrency, options.Seed);
}
