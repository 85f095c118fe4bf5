using System.Diagnostics;
using Akka.Actor;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// Suite 3: managed bytes per live idle episode. A policy that never answers holds N episodes at
/// concurrency N in the runtime, each waiting for its first action; the managed heap after full
/// collections, minus the heap before the run, divided by N, is the cost of one idle episode.
/// A breakdown measures the parts on their own: bare actors, environments, recorders.
/// </summary>
internal sealed class MemorySuite(BenchOptions options)
{
    private const string EnvironmentId = ToolUseEnvironments.Arithmetic;
    private const double TargetBytes = 20 * 1024;
    private static readonly Dictionary<string, string> NoParameters = [];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private sealed record Sample(double BytesPerEpisode, double WorkingSetPerEpisode, double SecondsToIdle, long Errors, long HeapBytes);

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        // Enough concurrent policy calls that every request reaches the policy and is counted; with the
        // default (4 per run) the rest would wait in the gateway's queue, idle all the same but uncounted.
        var gateway = new PolicyGatewayOptions(MaxBatchSize: 64, MaxConcurrentBatches: 1 << 20);
        await using var host = await BenchHost.StartAsync("gym-bench-memory", gateway, IdleEnvironment.Register).ConfigureAwait(false);

        Progress.Line("memory: warming up");
        var expert = host.Registry.Get(EnvironmentId).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));
        await host.Runner.RunAsync(new RolloutPlan(EnvironmentId, NoParameters, 512, 64, options.Seed), expert, new CountingSink()).ConfigureAwait(false);
        await IdleEpisodesAsync(host, EnvironmentId, 512).ConfigureAwait(false);
        await IdleEpisodesAsync(host, IdleEnvironment.EnvironmentId, 512).ConfigureAwait(false);
        await BareActorsAsync(host.System, 512, typedHandlers: true).ConfigureAwait(false);
        await BareActorsAsync(host.System, 512, typedHandlers: false).ConfigureAwait(false);

        var tables = new List<ResultTable>();
        var main = new ResultTable(
            $"Memory per idle episode: {EnvironmentId}, every episode waiting for its first action (median of {options.MemoryRepetitions})",
            "idle episodes (= concurrency)", "managed bytes / episode", "range", "GC heap while idle", "working set / episode", "time until all idle", "failed episodes", "target", "met");
        foreach (var n in options.MemorySizes)
        {
            var samples = new List<Sample>();
            for (var rep = 1; rep <= options.MemoryRepetitions; rep++)
            {
                var sample = await IdleEpisodesAsync(host, EnvironmentId, n).ConfigureAwait(false);
                samples.Add(sample);
                Progress.Line($"memory rep {rep}/{options.MemoryRepetitions}: {n:N0} idle episodes: {sample.BytesPerEpisode:N0} B/episode managed, {sample.WorkingSetPerEpisode:N0} B/episode working set, idle after {sample.SecondsToIdle:0.00} s, {sample.Errors} errors");
            }

            var median = Stats.Median(samples.Select(s => s.BytesPerEpisode));
            main.Add(
                Stats.Num(n),
                $"{Stats.Num(median)} B ({median / 1024:0.0} KiB)",
                Stats.Range(samples.Select(s => s.BytesPerEpisode)),
                $"{Stats.Median(samples.Select(s => (double)s.HeapBytes)) / (1024 * 1024):0} MiB",
                $"{Stats.Num(Stats.Median(samples.Select(s => s.WorkingSetPerEpisode)))} B",
                $"{Stats.Median(samples.Select(s => s.SecondsToIdle)):0.00} s",
                Stats.Num(samples.Sum(s => s.Errors)),
                "< 20 KiB",
                median < TargetBytes ? "yes" : "no");
        }

        main.Note("bytes / episode = (GC.GetTotalMemory(true) while all N are idle − before the run) / N, each after GC.Collect(2, Forced, blocking, compacting) ×3 with WaitForPendingFinalizers.");
        main.Note("the policy counts requests and never answers until released; the gateway is configured with MaxConcurrentBatches = 2^20 so that every request reaches it (batch size 64 as by default). After the measurement it answers, and every episode must then finish normally (failed episodes column).");
        main.Note("working set / episode is the process-level delta (Environment.WorkingSet), for reference only: it includes GC segments kept committed.");
        tables.Add(main);

        if (options.MemoryBreakdown)
        {
            tables.Add(await BreakdownAsync(host, options.MemorySizes[0]).ConfigureAwait(false));
        }

        return tables;
    }

    private async Task<ResultTable> BreakdownAsync(BenchHost host, int n)
    {
        var parts = new List<(string Name, Func<Task<double>> Measure)>
        {
            ("idle episode, tool-use/arithmetic-v0 (as above)", async () => (await IdleEpisodesAsync(host, EnvironmentId, n).ConfigureAwait(false)).BytesPerEpisode),
            ($"idle episode, {IdleEnvironment.EnvironmentId} (stateless environment, one shared message): the runtime's own cost", async () => (await IdleEpisodesAsync(host, IdleEnvironment.EnvironmentId, n).ConfigureAwait(false)).BytesPerEpisode),
            ("bare Akka actor: UntypedActor, no state, named and death-watched", () => BareActorsAsync(host.System, n, typedHandlers: false)),
            ("bare Akka actor: ReceiveActor with 6 Receive<T> handlers, named and watched", () => BareActorsAsync(host.System, n, typedHandlers: true)),
            ("arithmetic environment after ResetAsync (no actor), with its ResetResult", () => Task.FromResult(EnvironmentsAlone(host.Registry, n, withRecorder: false))),
            ("… plus EpisodeRecorder.Reset and the context view the actor sends with its request", () => Task.FromResult(EnvironmentsAlone(host.Registry, n, withRecorder: true))),
        };

        var results = parts.ToDictionary(p => p.Name, _ => new List<double>(), StringComparer.Ordinal);
        for (var rep = 1; rep <= options.MemoryRepetitions; rep++)
        {
            foreach (var (name, measure) in parts)
            {
                var bytes = await measure().ConfigureAwait(false);
                results[name].Add(bytes);
                Progress.Line($"memory breakdown rep {rep}/{options.MemoryRepetitions}: {name}: {bytes:N0} B");
            }
        }

        var table = new ResultTable($"Memory breakdown at {n:N0} (managed bytes per item, median of {options.MemoryRepetitions})", "what", "bytes / item", "range");
        foreach (var (name, _) in parts)
        {
            table.Add(name, Stats.Num(Stats.Median(results[name])), Stats.Range(results[name]));
        }

        table.Note("each line is measured alone, in the same process, the same way (full GCs before and after, divided by N).");
        return table;
    }

    private async Task<Sample> IdleEpisodesAsync(BenchHost host, string environmentId, int n)
    {
        var policy = new HangingPolicy();
        var sink = new CountingSink();
        var plan = new RolloutPlan(environmentId, NoParameters, n, n, options.Seed);
        Stats.FullGc();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetBefore = Environment.WorkingSet;
        var clock = Stopwatch.StartNew();
        var run = host.Runner.RunAsync(plan, policy, sink);
        while (policy.Asked < n)
        {
            if (run.IsCompleted)
            {
                await run.ConfigureAwait(false);
                throw new InvalidOperationException($"the idle run ended before all {n} episodes asked for an action ({policy.Asked} did)");
            }

            if (clock.Elapsed > StartTimeout)
            {
                policy.Release();
                throw new TimeoutException($"only {policy.Asked} of {n} episodes asked for an action within {StartTimeout.TotalSeconds} s");
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        var secondsToIdle = clock.Elapsed.TotalSeconds;
        Stats.FullGc();
        var idle = GC.GetTotalMemory(forceFullCollection: true);
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var workingSetIdle = Environment.WorkingSet;
        policy.Release();
        var result = await run.ConfigureAwait(false);
        var completion = result.Completion;
        var errors = completion.Failed + (n - completion.Finished - completion.Failed) + (completion.SinkError is null ? 0 : 1);
        Progress.Failed($"memory, {n:N0} idle episodes of {environmentId}", errors);
        return new Sample((idle - before) / (double)n, (workingSetIdle - workingSetBefore) / (double)n, secondsToIdle, errors, info.HeapSizeBytes);
    }

    private static async Task<double> BareActorsAsync(ActorSystem system, int n, bool typedHandlers)
    {
        Stats.FullGc();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var spawner = system.ActorOf(Props.Create(() => new SpawnerActor(typedHandlers)));
        await spawner.Ask<int>(n, TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        Stats.FullGc();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        await spawner.GracefulStop(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        return (after - before) / (double)n;
    }

    private double EnvironmentsAlone(EnvironmentRegistry registry, int n, bool withRecorder)
    {
        var plan = new RolloutPlan(EnvironmentId, NoParameters, n, n, options.Seed);
        var environments = new IEnvironment[n];
        var resets = new ResetResult[n];
        var recorders = new EpisodeRecorder[n];
        var contexts = new IReadOnlyList<ChatMessage>[n];
        Stats.FullGc();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < n; i++)
        {
            var seed = plan.SeedOf(i);
            environments[i] = registry.Make(EnvironmentId);
            var reset = environments[i].ResetAsync(seed).AsTask().GetAwaiter().GetResult();
            if (withRecorder)
            {
                recorders[i] = new EpisodeRecorder(i, EnvironmentId, seed, "hanging");
                recorders[i].Reset(reset);
                contexts[i] = recorders[i].Context;
            }
            else
            {
                resets[i] = reset;
            }
        }

        Stats.FullGc();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(environments);
        GC.KeepAlive(resets);
        GC.KeepAlive(recorders);
        GC.KeepAlive(contexts);
        return (after - before) / (double)n;
    }
}
