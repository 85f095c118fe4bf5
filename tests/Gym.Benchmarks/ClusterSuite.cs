using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Configuration;
using Gym.Cluster.Episodes;
using Gym.Cluster.Hosting;
using Gym.Cluster.Wire;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Modules;
using Gym.Runtime.Hosting;
using Gym.Scenarios;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// What scale-out costs: steps/s of one run (by default <c>scenarios/search-qa/multi-hop.yaml</c>, whose
/// steps search a 10,000-document index) in a single runtime against a cluster head with 1, 2 and 3
/// workers on this machine's loopback (all nodes in this process, each its own actor system talking
/// TCP and loading the scenario itself), the process CPU each setup spends per step, the loopback
/// bytes per step, and the per-step wire cost (serializer CPU time and bytes) of the messages a
/// cluster adds.
/// </summary>
internal sealed class ClusterSuite(BenchOptions options)
{
    private const int Concurrency = 64;

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        // Loaded once for the single-process runs, the wire recording and the head; each worker loads its own.
        using var source = new PreloadedSource(options.ClusterSource);
        return [await ThroughputAsync(source).ConfigureAwait(false), await WireCostAsync(source).ConfigureAwait(false)];
    }

    private async Task<ResultTable> ThroughputAsync(PreloadedSource source)
    {
        var table = new ResultTable(
            $"cluster: {options.ClusterSource}, {options.ClusterEpisodes} episodes, concurrency {Concurrency} (median of {options.Repetitions})",
            "setup", "steps/s", "vs 1 process", "episodes/s", "CPU µs / step", "loopback bytes / step");
        var setups = new List<(string Name, int Workers)> { ("1 process", -1) };
        setups.AddRange(options.ClusterWorkers.Select(w => ($"head + {w} worker{(w == 1 ? "" : "s")}", w)));
        var medians = new Dictionary<string, Measurement>();
        var samples = setups.ToDictionary(s => s.Name, _ => new List<Measurement>());
        // One short untimed round first: JIT-compiling Akka.Remote, sharding and the environment would otherwise land in the first rows.
        var warmup = Math.Min(options.ClusterEpisodes, 100);
        foreach (var (name, workers) in setups)
        {
            _ = workers < 0 ? await SingleAsync(source, warmup).ConfigureAwait(false) : await ClusterAsync(source, workers, warmup).ConfigureAwait(false);
            Progress.Line($"cluster warm-up: {name}");
        }

        // Interleaved repetitions, so that a load change on a shared machine hits every setup alike.
        for (var rep = 0; rep < options.Repetitions; rep++)
        {
            foreach (var (name, workers) in setups)
            {
                var measured = workers < 0 ? await SingleAsync(source, options.ClusterEpisodes).ConfigureAwait(false) : await ClusterAsync(source, workers, options.ClusterEpisodes).ConfigureAwait(false);
                samples[name].Add(measured);
                Progress.Line($"cluster rep {rep + 1}/{options.Repetitions}: {name,-18} {measured.StepsPerSecond,9:0} steps/s, {measured.CpuMicrosPerStep,7:0.0} CPU µs/step, {measured.LoopbackBytesPerStep,7:0} loopback B/step, {measured.TriesPerEpisode:0.00} tries/episode");
            }
        }

        foreach (var (name, list) in samples)
        {
            medians[name] = new Measurement(
                Stats.Median(list.Select(m => m.StepsPerSecond)),
                Stats.Median(list.Select(m => m.EpisodesPerSecond)),
                Stats.Median(list.Select(m => m.CpuMicrosPerStep)),
                Stats.Median(list.Select(m => m.LoopbackBytesPerStep)));
        }

        var baseline = medians["1 process"];
        foreach (var (name, _) in setups)
        {
            var m = medians[name];
            table.Add(name, Stats.Num(m.StepsPerSecond), $"{m.StepsPerSecond / baseline.StepsPerSecond:0.00}x", Stats.Num(m.EpisodesPerSecond), Stats.Num(m.CpuMicrosPerStep, 1), double.IsNaN(m.LoopbackBytesPerStep) ? "n/a" : Stats.Num(m.LoopbackBytesPerStep));
        }

        table.Note($"this machine has {Environment.ProcessorCount} logical cores, shared by every node: more workers add no cores here, so the rows measure what the cluster costs, not what it gains on more machines");
        table.Note("the head hosts no episodes (--no-local-episodes); every node runs in this process on its own actor system and TCP port and loads the scenario itself before the clock starts");
        table.Note("CPU µs / step: this process's CPU time (every node's) over the run, per step; loopback bytes / step: bytes received on the loopback interface over the run (/proc/net/dev, the whole machine's, so other loopback traffic adds to it), per step");
        return table;
    }

    private RolloutPlan Plan(PreloadedSource source, int episodes) => new(source.EnvironmentId, new Dictionary<string, string>(), episodes, Concurrency, options.Seed, Memory: source.Memory, Tokenizer: source.Tokenizer);

    private IPolicy Expert(EnvironmentRegistry registry, string environmentId) =>
        registry.Get(environmentId).CreateExpert!(
            new EnvironmentParameters(EnvironmentParameters.WithRunSeed(new Dictionary<string, string>(), options.Seed)),
            new ExpertSettings(options.ErrorRate, options.Seed));

    private async Task<Measurement> SingleAsync(PreloadedSource source, int episodes)
    {
        await using var host = await GymRuntimeHost.StartAsync(source.Registry, o => o.SystemName = "gym-bench-cluster-single").ConfigureAwait(false);
        return await MeasureAsync("cluster, 1 process", () => host.Runner.RunAsync(Plan(source, episodes), Expert(source.Registry, source.EnvironmentId), new CountingSink())).ConfigureAwait(false);
    }

    private async Task<Measurement> ClusterAsync(PreloadedSource source, int workers, int episodes)
    {
        var port = FreePort();
        var headOptions = new ClusterNodeOptions { Port = port };
        await using var head = await ClusterHead.StartAsync(headOptions, options.ClusterSource, source, localEpisodes: false, new PolicyGatewayOptions(), refused: null, CancellationToken.None).ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var workerSources = Enumerable.Range(0, workers).Select(_ => new PreloadedSource(options.ClusterSource)).ToList();
        try
        {
            var running = workerSources
                .Select(s => ClusterWorker.RunAsync(new ClusterNodeOptions { SeedNodes = [$"127.0.0.1:{port}"] }, s, _ => { }, stop.Token))
                .ToList();
            await head.WaitForWorkersAsync(workers, _ => { }, CancellationToken.None).ConfigureAwait(false);
            var measured = await MeasureAsync($"cluster, {workers} workers", () => head.Runner.RunAsync(Plan(source, episodes), Expert(source.Registry, source.EnvironmentId), new CountingSink())).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            var tries = (await Task.WhenAll(running).ConfigureAwait(false)).Sum(w => w.Episodes);
            return measured with { TriesPerEpisode = tries / (double)episodes };
        }
        finally
        {
            workerSources.ForEach(s => s.Dispose());
        }
    }

    private static async Task<Measurement> MeasureAsync(string what, Func<Task<RolloutResult>> run)
    {
        Stats.FullGc();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var loopback = LoopbackBytes();
        var result = await run().ConfigureAwait(false);
        var cpuSpent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var loopbackSpent = LoopbackBytes() - loopback;
        Progress.Failed(what, result.Summary.Failed);
        var steps = (double)result.Summary.TotalSteps;
        return new Measurement(
            steps / result.Elapsed.TotalSeconds,
            result.Summary.Episodes / result.Elapsed.TotalSeconds,
            cpuSpent.TotalMicroseconds / steps,
            loopbackSpent / steps);
    }

    /// <summary>Bytes received on the loopback interface so far, from /proc/net/dev; NaN where there is none (not Linux).</summary>
    private static double LoopbackBytes()
    {
        const string Path = "/proc/net/dev";
        if (!File.Exists(Path))
        {
            return double.NaN;
        }

        foreach (var line in File.ReadLines(Path))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == "lo")
            {
                var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    /// <summary>One run's figures.</summary>
    private sealed record Measurement(double StepsPerSecond, double EpisodesPerSecond, double CpuMicrosPerStep, double LoopbackBytesPerStep)
    {
        /// <summary>Episode tries the workers started per episode of the plan: above 1 when shards moved and episodes were replayed.</summary>
        public double TriesPerEpisode { get; init; } = 1;
    }

    private async Task<ResultTable> WireCostAsync(PreloadedSource source)
    {
        // Real requests, actions and trajectories: recorded from a single-process run of the same plan.
        var recording = new RecordingPolicy();
        var sink = new InMemoryTrajectorySink();
        await using (var host = await GymRuntimeHost.StartAsync(source.Registry, o => o.SystemName = "gym-bench-cluster-wire").ConfigureAwait(false))
        {
            recording.Inner = Expert(source.Registry, source.EnvironmentId);
            await host.Runner.RunAsync(Plan(source, Math.Min(options.ClusterEpisodes, 500)), recording, sink).ConfigureAwait(false);
        }

        using var system = Akka.Actor.ActorSystem.Create("gym-bench-wire", ConfigurationFactory.ParseString(GymWireSerializer.Hocon()));
        var serializer = (GymWireSerializer)system.Serialization.FindSerializerForType(typeof(RequestAction));
        var actor = system.ActorOf(Akka.Actor.Props.Empty, "gateway");
        var records = sink.Snapshot();
        var steps = records.Sum(r => r.Turns.Count);
        var messages = new List<object>();
        foreach (var (request, action) in recording.Pairs)
        {
            messages.Add(new RequestAction("run-1", request) { Ticket = 1 });
            messages.Add(new ActionChosen(action) { Ticket = 1 });
        }

        foreach (var record in records)
        {
            messages.Add(new PlayShardedEpisode("run-1", options.ClusterSource, "expert", Plan(source, options.ClusterEpisodes), new EpisodeStart(record.Episode, null, new Dictionary<string, string>()), 0, actor, actor));
            messages.Add(new EpisodeAccepted("run-1", record.Episode, 0));
            messages.Add(new ShardedEpisodeEnded("run-1", 0, record));
        }

        long bytes = 0;
        var microsPerStep = CpuMicrosPerRound(() =>
        {
            bytes = 0;
            foreach (var message in messages)
            {
                var binary = serializer.ToBinary(message);
                bytes += binary.Length;
                serializer.FromBinary(binary, serializer.Manifest(message));
            }
        }) / steps;
        var table = new ResultTable($"cluster wire cost per step ({records.Count} {source.EnvironmentId} episodes, {steps} steps)", "measure", "value");
        table.Add("bytes on the wire per step", $"{bytes / (double)steps:0}");
        table.Add("serializer CPU µs per step (write + read, both sides)", $"{microsPerStep:0.0}");
        table.Add("of which per-step messages (request + action), bytes", $"{recording.Pairs.Sum(p => serializer.ToBinary(new RequestAction("r", p.Request)).Length + serializer.ToBinary(new ActionChosen(p.Action)).Length) / (double)steps:0}");
        table.Add("policy CPU µs per step (the scripted expert; it runs on the head)", $"{PolicyMicrosPerStep(source, recording):0.0}");
        table.Note("bytes exclude Akka.Remote's envelope (recipient and sender paths, about 150 bytes per message) and TCP/IP framing");
        table.Note("policy: the recorded requests answered again, one at a time, by a fresh expert (the head's share of a step that is not the cluster's)");
        return table;
    }

    private double PolicyMicrosPerStep(PreloadedSource source, RecordingPolicy recording)
    {
        var expert = Expert(source.Registry, source.EnvironmentId);
        var requests = recording.Pairs.Select(p => p.Request).ToList();
        // The scripted expert answers synchronously: blocking on its ValueTask costs nothing here.
        return CpuMicrosPerRound(() => requests.ForEach(r => expert.ActAsync([r], CancellationToken.None).AsTask().GetAwaiter().GetResult())) / requests.Count;
    }

    /// <summary>
    /// Process CPU µs per call of <paramref name="round"/>: rounds for 1 s untimed (so tiered JIT
    /// reaches its optimized code), then for at least 2 s timed. CPU time rather than wall time,
    /// since on a shared machine the wall clock also counts time other processes held the cores.
    /// </summary>
    private static double CpuMicrosPerRound(Action round)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            round();
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        do
        {
            round();
            rounds++;
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(2));

        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / rounds;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One node's environments: the scenario (or id) loaded into its own registry up front, as a worker loads it once.</summary>
    private sealed class PreloadedSource : IEnvironmentSource, IDisposable
    {
        private readonly string _source;
        private readonly BuiltScenario? _scenario;

        public PreloadedSource(string source)
        {
            _source = source;
            Registry = GymModules.CreateRegistry();
            if (ScenarioFiles.IsScenarioPath(source))
            {
                _scenario = ScenarioEnvironments.Load(source, Registry);
                EnvironmentId = _scenario.Spec.Id;
                Memory = _scenario.Memory;
                Tokenizer = _scenario.Tokenizer;
            }
            else
            {
                Registry.Get(source);
                EnvironmentId = source;
            }
        }

        public EnvironmentRegistry Registry { get; }

        public string EnvironmentId { get; }

        public MemorySpec Memory { get; }

        public string Tokenizer { get; } = TokenCounters.DefaultName;

        public EnvironmentRegistry Resolve(string source) =>
            source == _source ? Registry : throw new InvalidOperationException($"this benchmark node loaded {_source}, not {source}");

        public void Dispose() => _scenario?.Dispose();
    }

    private sealed class RecordingPolicy : IPolicy
    {
        private readonly ConcurrentQueue<(PolicyRequest Request, AgentAction Action)> _pairs = new();

        public IPolicy Inner { get; set; } = null!;

        public string Id => Inner.Id;

        public IReadOnlyList<(PolicyRequest Request, AgentAction Action)> Pairs => [.. _pairs];

        public async ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
        {
            var actions = await Inner.ActAsync(requests, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < requests.Count; i++)
            {
                _pairs.Enqueue((requests[i], actions[i]));
            }

            return actions;
        }
    }
}
