using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Configuration;
using Gym.Cluster.Episodes;
using Gym.Cluster.Hosting;
using Gym.Cluster.Wire;
using Gym.Core;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// What scale-out costs: steps/s of one run in a single runtime against a cluster head with 1 and 2
/// workers on this machine's loopback (all nodes in this process, each its own actor system talking
/// TCP), and the per-step wire cost (serializer CPU time and bytes) of the messages a cluster adds.
/// </summary>
internal sealed class ClusterSuite(BenchOptions options)
{
    private const string EnvironmentId = "tool-use/arithmetic-v0";

    public async Task<IReadOnlyList<ResultTable>> RunAsync() => [await ThroughputAsync().ConfigureAwait(false), await WireCostAsync().ConfigureAwait(false)];

    private async Task<ResultTable> ThroughputAsync()
    {
        var table = new ResultTable($"cluster: {EnvironmentId}, {options.ClusterEpisodes} episodes, concurrency 64 (median of {options.Repetitions})", "setup", "steps/s", "vs 1 process", "episodes/s");
        var setups = new (string Name, int Workers)[] { ("1 process", -1), ("head + 1 worker", 1), ("head + 2 workers", 2) };
        var medians = new Dictionary<string, (double Steps, double Episodes)>();
        foreach (var (name, workers) in setups)
        {
            var steps = new List<double>();
            var episodes = new List<double>();
            for (var rep = 0; rep < options.Repetitions; rep++)
            {
                var (s, e) = workers < 0 ? await SingleAsync().ConfigureAwait(false) : await ClusterAsync(workers).ConfigureAwait(false);
                steps.Add(s);
                episodes.Add(e);
                Progress.Line($"cluster rep {rep + 1}/{options.Repetitions}: {name,-18} {s,9:0} steps/s");
            }

            medians[name] = (Stats.Median(steps), Stats.Median(episodes));
        }

        var baseline = medians["1 process"].Steps;
        foreach (var (name, _) in setups)
        {
            table.Add(name, Stats.Num(medians[name].Steps), $"{medians[name].Steps / baseline:0.00}x", Stats.Num(medians[name].Episodes));
        }

        table.Note("the head hosts no episodes (--no-local-episodes); every node runs in this process on its own actor system and TCP port, so all share this machine's cores");
        return table;
    }

    private RolloutPlan Plan() => new(EnvironmentId, new Dictionary<string, string>(), options.ClusterEpisodes, 64, options.Seed);

    private IPolicy Expert(EnvironmentRegistry registry) =>
        registry.Get(EnvironmentId).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));

    private async Task<(double Steps, double Episodes)> SingleAsync()
    {
        await using var host = await BenchHost.StartAsync("gym-bench-cluster-single").ConfigureAwait(false);
        var result = await host.Runner.RunAsync(Plan(), Expert(host.Registry), new CountingSink()).ConfigureAwait(false);
        Progress.Failed("cluster, 1 process", result.Summary.Failed);
        return (result.Summary.TotalSteps / result.Elapsed.TotalSeconds, result.Summary.Episodes / result.Elapsed.TotalSeconds);
    }

    private async Task<(double Steps, double Episodes)> ClusterAsync(int workers)
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        var environments = new FixedSource(registry);
        var port = FreePort();
        var headOptions = new ClusterNodeOptions { Port = port };
        await using var head = await ClusterHead.StartAsync(headOptions, EnvironmentId, environments, localEpisodes: false, new PolicyGatewayOptions(), refused: null, CancellationToken.None).ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var running = Enumerable.Range(0, workers)
            .Select(_ => ClusterWorker.RunAsync(new ClusterNodeOptions { SeedNodes = [$"127.0.0.1:{port}"] }, environments, _ => { }, stop.Token))
            .ToList();
        await head.WaitForWorkersAsync(workers, _ => { }, CancellationToken.None).ConfigureAwait(false);
        var result = await head.Runner.RunAsync(Plan(), Expert(registry), new CountingSink()).ConfigureAwait(false);
        Progress.Failed($"cluster, {workers} workers", result.Summary.Failed);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        return (result.Summary.TotalSteps / result.Elapsed.TotalSeconds, result.Summary.Episodes / result.Elapsed.TotalSeconds);
    }

    private async Task<ResultTable> WireCostAsync()
    {
        // Real requests, actions and trajectories: recorded from a single-process run of the same plan.
        var recording = new RecordingPolicy();
        var sink = new InMemoryTrajectorySink();
        await using (var host = await BenchHost.StartAsync("gym-bench-cluster-wire").ConfigureAwait(false))
        {
            recording.Inner = Expert(host.Registry);
            await host.Runner.RunAsync(Plan() with { Episodes = Math.Min(options.ClusterEpisodes, 1000) }, recording, sink).ConfigureAwait(false);
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
            messages.Add(new PlayShardedEpisode("run-1", EnvironmentId, "expert", Plan(), new EpisodeStart(record.Episode, null, new Dictionary<string, string>()), 0, actor, actor));
            messages.Add(new EpisodeAccepted("run-1", record.Episode, 0));
            messages.Add(new ShardedEpisodeEnded("run-1", 0, record));
        }

        long bytes = 0;
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        do
        {
            bytes = 0;
            foreach (var message in messages)
            {
                var binary = serializer.ToBinary(message);
                bytes += binary.Length;
                serializer.FromBinary(binary, serializer.Manifest(message));
            }

            rounds++;
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(2));

        var microsPerStep = clock.Elapsed.TotalMicroseconds / rounds / steps;
        var table = new ResultTable($"cluster wire cost per step ({records.Count} {EnvironmentId} episodes, {steps} steps)", "measure", "value");
        table.Add("bytes on the wire per step", $"{bytes / (double)steps:0}");
        table.Add("serializer CPU µs per step (write + read, both sides)", $"{microsPerStep:0.0}");
        table.Add("of which per-step messages (request + action), bytes", $"{recording.Pairs.Sum(p => serializer.ToBinary(new RequestAction("r", p.Request)).Length + serializer.ToBinary(new ActionChosen(p.Action)).Length) / (double)steps:0}");
        table.Note("bytes exclude Akka.Remote's envelope (recipient and sender paths, about 150 bytes per message) and TCP/IP framing");
        return table;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class FixedSource(EnvironmentRegistry registry) : IEnvironmentSource
    {
        public EnvironmentRegistry Resolve(string source) => registry;
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
