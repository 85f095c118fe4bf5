using System.Diagnostics;
using System.Globalization;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// Suite 2: per-step latency. Through the actors: the time between consecutive action requests of
/// one episode as the policy sees them (a full step cycle), and, as a cross-check, each episode's
/// recorded wall time divided by its turns. Directly: each StepAsync call alone, and a full direct
/// step cycle (policy call + StepAsync + recording).
/// </summary>
internal sealed class LatencySuite(BenchOptions options)
{
    private const string EnvironmentId = ToolUseEnvironments.Arithmetic;
    private static readonly Dictionary<string, string> NoParameters = [];

    private sealed record Percentiles(double Mean, double P50, double P99, double Max, long Count);

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        await using var host = await BenchHost.StartAsync("gym-bench-latency").ConfigureAwait(false);
        var descriptor = host.Registry.Get(EnvironmentId);
        var expert = descriptor.CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));

        Progress.Line("latency: warming up");
        await DirectAsync(host.Registry, expert, 1024).ConfigureAwait(false);
        foreach (var c in options.LatencyConcurrency)
        {
            await ActorsAsync(host, expert, c, Math.Max(256, Math.Min(options.LatencyEpisodes, 2 * c))).ConfigureAwait(false);
        }

        var rows = new Dictionary<string, List<Percentiles>>(StringComparer.Ordinal);
        var order = new List<string>();
        void Add(string name, Percentiles p)
        {
            if (!rows.TryGetValue(name, out var list))
            {
                rows[name] = list = [];
                order.Add(name);
            }

            list.Add(p);
        }

        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            Stats.FullGc();
            var (step, cycle) = await DirectAsync(host.Registry, expert, options.LatencyEpisodes).ConfigureAwait(false);
            Add("direct: StepAsync alone", step);
            Add("direct: step cycle (policy + StepAsync + record)", cycle);
            Progress.Line($"latency rep {rep}/{options.Repetitions}: direct StepAsync p50 {step.P50:0.0} µs p99 {step.P99:0.0} µs; cycle p50 {cycle.P50:0.0} µs p99 {cycle.P99:0.0} µs");
            foreach (var c in options.LatencyConcurrency)
            {
                Stats.FullGc();
                var (actorCycle, perTurn) = await ActorsAsync(host, expert, c, Math.Max(options.LatencyEpisodes, 2 * c)).ConfigureAwait(false);
                var label = c.ToString("N0", CultureInfo.InvariantCulture);
                Add($"actors, concurrency {label}: step cycle (request to request)", actorCycle);
                Add($"actors, concurrency {label}: episode WallMs / turns", perTurn);
                Progress.Line($"latency rep {rep}/{options.Repetitions}: actors c={c}: cycle p50 {actorCycle.P50:0.0} µs p99 {actorCycle.P99:0.0} µs; wall/turn p50 {perTurn.P50:0.0} µs p99 {perTurn.P99:0.0} µs");
            }
        }

        var table = new ResultTable(
            $"Step latency: {EnvironmentId}, expert:{options.ErrorRate.ToString(CultureInfo.InvariantCulture)} (µs; median over {options.Repetitions} reps of each rep's percentile)",
            "what", "p50 µs", "p99 µs", "mean µs", "max µs (worst rep)", "samples / rep");
        foreach (var name in order)
        {
            var list = rows[name];
            table.Add(name, Stats.Num(Stats.Median(list.Select(p => p.P50)), 1), Stats.Num(Stats.Median(list.Select(p => p.P99)), 1), Stats.Num(Stats.Median(list.Select(p => p.Mean)), 1), Stats.Num(list.Max(p => p.Max), 0), Stats.Num(list[0].Count));
        }

        table.Note("step cycle through the actors = time between two consecutive action requests of one episode reaching the policy: gateway → ActionChosen → episode actor → StepAsync → RequestAction → gateway batching → policy call (the expert's own compute for its batch included).");
        table.Note("episode WallMs / turns comes from RolloutPlan(RecordTimings: true): per-episode wall time (from the episode reaching its actor: reset and every step) divided by its turns, so it averages within an episode and cannot show per-step tails.");
        table.Note("with many episodes in flight the mean cycle is about concurrency / throughput (each episode waits for the others' steps); a p50 far below that mean with a p99 far above it means episodes are not served round-robin: some run several steps back to back while others wait.");
        table.Note("direct figures come from a single sequential loop (one environment, EpisodeRecorder, the expert called with a batch of one).");
        return [table];
    }

    private static async Task<(Percentiles Step, Percentiles Cycle)> DirectAsync(EnvironmentRegistry registry, IPolicy policy, int episodes)
    {
        var plan = new RolloutPlan(EnvironmentId, NoParameters, episodes, 1, 0);
        var environment = registry.Make(EnvironmentId);
        var steps = new List<double>(episodes * 6);
        var cycles = new List<double>(episodes * 6);
        for (long episode = 0; episode < episodes; episode++)
        {
            var seed = plan.SeedOf(episode);
            var recorder = new EpisodeRecorder(episode, environment.Id, seed, policy.Id);
            recorder.Reset(await environment.ResetAsync(seed).ConfigureAwait(false));
            var episodeId = episode.ToString(CultureInfo.InvariantCulture);
            while (!recorder.IsDone)
            {
                var start = Stopwatch.GetTimestamp();
                var actions = await policy.ActAsync([new PolicyRequest(episodeId, seed, recorder.TurnCount, recorder.Context)], CancellationToken.None).ConfigureAwait(false);
                var beforeStep = Stopwatch.GetTimestamp();
                var result = await environment.StepAsync(actions[0]).ConfigureAwait(false);
                var afterStep = Stopwatch.GetTimestamp();
                recorder.Step(actions[0], result);
                var end = Stopwatch.GetTimestamp();
                steps.Add(Stats.TicksToMicroseconds(afterStep - beforeStep));
                cycles.Add(Stats.TicksToMicroseconds(end - start));
            }
        }

        return (Summarize(steps), Summarize(cycles));
    }

    private async Task<(Percentiles Cycle, Percentiles PerTurn)> ActorsAsync(BenchHost host, IPolicy expert, int concurrency, int episodes)
    {
        var plan = new RolloutPlan(EnvironmentId, NoParameters, episodes, concurrency, options.Seed, RecordTimings: true);
        var policy = new StepTimingPolicy(expert);
        var sink = new InMemoryTrajectorySink();
        var result = await host.Runner.RunAsync(plan, policy, sink).ConfigureAwait(false);
        Progress.Failed($"latency, actors at concurrency {concurrency}", episodes - result.Completion.Finished);

        var cycles = policy.Cycles.Select(Stats.TicksToMicroseconds).ToList();
        var perTurn = sink.Snapshot()
            .Where(r => r.Timings is not null && r.Turns.Count > 0)
            .Select(r => r.Timings!.WallMs * 1000.0 / r.Turns.Count)
            .ToList();
        return (Summarize(cycles), Summarize(perTurn));
    }

    private static Percentiles Summarize(List<double> values)
    {
        values.Sort();
        return new Percentiles(values.Count == 0 ? double.NaN : values.Average(), Stats.Percentile(values, 50), Stats.Percentile(values, 99), values.Count == 0 ? double.NaN : values[^1], values.Count);
    }
}
