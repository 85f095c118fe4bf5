using System.Diagnostics;
using System.Globalization;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// Where the actor runtime's time goes, at one concurrency: the expert against a replay of its own
/// actions (same trajectories, no policy compute on the gateway), environment creation per episode,
/// and the runtime's own per-episode and per-step cost with a near-free environment and policy.
/// </summary>
internal sealed class DiagnosticsSuite(BenchOptions options)
{
    private const string EnvironmentId = ToolUseEnvironments.Arithmetic;
    private const int ShortTurns = 1;
    private const int LongTurns = 16;
    private static readonly Dictionary<string, string> NoParameters = [];

    private sealed record Sample(long Episodes, long Steps, long Errors, Cost Cost)
    {
        public double Seconds => Cost.WallSeconds;
    }

    private sealed record Variant(string Name, Func<Task<Sample>> Measure);

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        await using var host = await BenchHost.StartAsync("gym-bench-diagnostics", extraEnvironments: CountingEnvironment.Register).ConfigureAwait(false);
        var expert = host.Registry.Get(EnvironmentId).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));
        var tables = new List<ResultTable>();
        foreach (var concurrency in options.DiagnosticsConcurrency)
        {
            tables.Add(await RunAtAsync(host, expert, concurrency).ConfigureAwait(false));
        }

        tables[^1].Note($"micro: RolloutSummaryBuilder.Add (done per episode by RolloutRunner's observer on the coordinator's thread, under a lock) ≈ {SummaryAddMicroseconds(host.Registry, expert):0.0} µs per arithmetic episode.");
        return tables;
    }

    private async Task<ResultTable> RunAtAsync(BenchHost host, IPolicy expert, int concurrency)
    {
        var episodes = options.EpisodesFor(concurrency);
        var replay = new ReplayPolicy(expert);
        var plan = new RolloutPlan(EnvironmentId, NoParameters, episodes, concurrency, options.Seed);

        Progress.Line($"diagnostics: recording the expert's actions for {episodes:N0} episodes, warming up");
        await DirectAsync(host.Registry, replay, plan, DirectKind.Loops).ConfigureAwait(false);
        replay.StartReplaying();

        var constant = new ConstantPolicy();
        var shortPlan = new RolloutPlan(CountingEnvironment.EnvironmentId, new Dictionary<string, string> { ["turns"] = ShortTurns.ToString(CultureInfo.InvariantCulture) }, episodes, concurrency, options.Seed);
        var longPlan = shortPlan with { Parameters = new Dictionary<string, string> { ["turns"] = LongTurns.ToString(CultureInfo.InvariantCulture) } };
        var c = concurrency.ToString("N0", CultureInfo.InvariantCulture);
        var variants = new List<Variant>
        {
            new($"direct ×{c} loops: expert", () => DirectAsync(host.Registry, expert, plan, DirectKind.Loops)),
            new($"direct ×{c} loops: expert, new environment per episode", () => DirectAsync(host.Registry, expert, plan, DirectKind.NewEnvironmentPerEpisode)),
            new($"direct ×{c} loops interleaved (Task.Yield per step): expert", () => DirectAsync(host.Registry, expert, plan, DirectKind.Interleaved)),
            new($"actors {c}: expert", () => ActorsAsync(host, expert, plan)),
            new($"direct ×{c} loops: replayed expert actions", () => DirectAsync(host.Registry, replay, plan, DirectKind.Loops)),
            new($"actors {c}: replayed expert actions", () => ActorsAsync(host, replay, plan)),
            new($"actors {c}: {CountingEnvironment.EnvironmentId} turns={ShortTurns}, constant policy", () => ActorsAsync(host, constant, shortPlan)),
            new($"actors {c}: {CountingEnvironment.EnvironmentId} turns={LongTurns}, constant policy", () => ActorsAsync(host, constant, longPlan)),
        };

        foreach (var variant in variants)
        {
            await variant.Measure().ConfigureAwait(false);
        }

        var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>(), StringComparer.Ordinal);
        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            foreach (var variant in variants)
            {
                Stats.FullGc();
                var sample = await variant.Measure().ConfigureAwait(false);
                samples[variant.Name].Add(sample);
                Progress.Failed($"diagnostics, {variant.Name}", sample.Errors);
                Progress.Line($"diagnostics rep {rep}/{options.Repetitions}: {variant.Name,-66} {sample.Steps / sample.Seconds,9:N0} steps/s, {sample.Seconds * 1e6 / sample.Episodes,8:N1} µs/episode, {sample.Cost.CpuSeconds * 1e6 / sample.Steps,6:0.0} CPU µs/step, {sample.Cost.AllocatedBytes / 1024.0 / sample.Steps,5:0.0} KiB/step, {sample.Cost.CoresBusy:0.00} cores, GC pause {100 * sample.Cost.GcPauseSeconds / sample.Seconds:0}%, {sample.Errors} errors");
            }
        }

        var table = new ResultTable(
            $"Diagnostics at concurrency {c}: where the runtime's time goes (median of {options.Repetitions})",
            "variant", "steps/s", "µs / episode (wall)", "CPU µs / step", "CPU µs / episode", "cores busy", "alloc KiB / step", "GC pause %", "failed");
        foreach (var variant in variants)
        {
            var s = samples[variant.Name];
            table.Add(
                variant.Name,
                Stats.Num(Stats.Median(s.Select(x => x.Steps / x.Seconds))),
                Stats.Num(Stats.Median(s.Select(x => x.Seconds * 1e6 / x.Episodes)), 1),
                Stats.Num(Stats.Median(s.Select(x => x.Cost.CpuSeconds * 1e6 / x.Steps)), 1),
                Stats.Num(Stats.Median(s.Select(x => x.Cost.CpuSeconds * 1e6 / x.Episodes)), 1),
                Stats.Num(Stats.Median(s.Select(x => x.Cost.CoresBusy)), 2),
                Stats.Num(Stats.Median(s.Select(x => x.Cost.AllocatedBytes / 1024.0 / x.Steps)), 1),
                Stats.Num(Stats.Median(s.Select(x => 100 * x.Cost.GcPauseSeconds / x.Seconds)), 1),
                Stats.Num(s.Sum(x => x.Errors)));
        }

        var perEpisodeShort = samples[variants[^2].Name].Select(x => x.Cost.CpuSeconds * 1e6 / x.Episodes).ToList();
        var perEpisodeLong = samples[variants[^1].Name].Select(x => x.Cost.CpuSeconds * 1e6 / x.Episodes).ToList();
        var perStep = perEpisodeShort.Zip(perEpisodeLong, (a, b) => (b - a) / (LongTurns - ShortTurns)).ToList();
        var perEpisode = perEpisodeShort.Zip(perStep, (a, s) => a - (ShortTurns * s)).ToList();
        var shortAlloc = samples[variants[^2].Name].Select(x => x.Cost.AllocatedBytes / (double)x.Episodes).ToList();
        var longAlloc = samples[variants[^1].Name].Select(x => x.Cost.AllocatedBytes / (double)x.Episodes).ToList();
        var allocPerStep = shortAlloc.Zip(longAlloc, (a, b) => (b - a) / (LongTurns - ShortTurns)).ToList();
        var allocPerEpisode = shortAlloc.Zip(allocPerStep, (a, s) => a - (ShortTurns * s)).ToList();
        table.Note($"the runtime's own cost, from the two {CountingEnvironment.EnvironmentId} rows (near-free environment and policy): ≈ {Stats.Median(perStep):0.0} CPU µs and {Stats.Median(allocPerStep) / 1024:0.00} KiB allocated per step, ≈ {Stats.Median(perEpisode):0.0} CPU µs and {Stats.Median(allocPerEpisode) / 1024:0.0} KiB per episode (environment creation, reset, end, sink round trip, summary; episode actors are long-lived slots, created once per run and slot).");
        table.Note("replayed expert actions: the same trajectories as the expert, the policy reduced to a dictionary lookup, so the difference to the expert rows is the policy's compute, which the runtime runs inline on its single policy-gateway actor.");
        table.Note("interleaved direct loops hold as many episodes in flight as the actors do (each step first yields to the thread pool), so they pay the same garbage-collection cost of a large live set without any actor.");
        return table;
    }

    private static double SummaryAddMicroseconds(EnvironmentRegistry registry, IPolicy policy)
    {
        var environment = registry.Make(EnvironmentId);
        var records = new List<EpisodeRecord>();
        for (var i = 0; i < 512; i++)
        {
            records.Add(EpisodeRunner.RunAsync(environment, policy, i, SeedOf(i)).GetAwaiter().GetResult());
        }

        var best = double.MaxValue;
        for (var rep = 0; rep < 5; rep++)
        {
            var builder = new RolloutSummaryBuilder();
            var clock = Stopwatch.StartNew();
            foreach (var record in records)
            {
                builder.Add(record);
            }

            best = Math.Min(best, clock.Elapsed.TotalMicroseconds / records.Count);
        }

        return best;

        static long SeedOf(long episode) => new RolloutPlan(EnvironmentId, NoParameters, 1, 1, 42).SeedOf(episode);
    }

    private enum DirectKind
    {
        Loops,
        NewEnvironmentPerEpisode,
        Interleaved,
    }

    private static IEnvironment Make(EnvironmentRegistry registry, RolloutPlan plan, DirectKind kind)
    {
        var environment = registry.Make(plan.EnvironmentId, new EnvironmentParameters(plan.Parameters));
        return kind == DirectKind.Interleaved ? new YieldingEnvironment(environment) : environment;
    }

    private static async Task<Sample> DirectAsync(EnvironmentRegistry registry, IPolicy policy, RolloutPlan plan, DirectKind kind)
    {
        var meter = new Meter();
        var totals = await Task.WhenAll(Enumerable.Range(0, plan.Concurrency).Select(w => Task.Run(async () =>
        {
            var environment = Make(registry, plan, kind);
            long episodes = 0, steps = 0, errors = 0;
            for (long episode = w; episode < plan.Episodes; episode += plan.Concurrency)
            {
                try
                {
                    if (kind == DirectKind.NewEnvironmentPerEpisode)
                    {
                        environment = Make(registry, plan, kind);
                    }

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

            return new Sample(episodes, steps, errors, default);
        }))).ConfigureAwait(false);
        var cost = meter.Stop();
        return new Sample(totals.Sum(t => t.Episodes), totals.Sum(t => t.Steps), totals.Sum(t => t.Errors), cost);
    }

    private static async Task<Sample> ActorsAsync(BenchHost host, IPolicy policy, RolloutPlan plan)
    {
        var sink = new CountingSink();
        var meter = new Meter();
        var result = await host.Runner.RunAsync(plan, policy, sink).ConfigureAwait(false);
        var cost = meter.Stop();
        var completion = result.Completion;
        var errors = completion.Failed + (plan.Episodes - completion.Finished - completion.Failed);
        return new Sample(completion.Finished, sink.Steps, errors, cost);
    }
}
