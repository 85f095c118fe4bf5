using System.CommandLine;
using System.Runtime.CompilerServices;
using Gym.Cluster.Episodes;
using Gym.Cluster.Hosting;
using Gym.Cluster.Sessions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Scenarios;

namespace Gym.Cli.Commands;

/// <summary>
/// The cluster side of the CLI: <c>gym worker</c> and the head of <c>gym run --cluster</c>. Kept in its
/// own class, whose methods alone name Gym.Cluster types, so that a single-process run never loads
/// Akka.Cluster (docs/cluster.md).
/// </summary>
internal static class ClusterCommands
{
    /// <summary><c>gym worker</c>: joins a head and hosts episodes until the head's run is over.</summary>
    public static Command CreateWorker()
    {
        var join = new Option<string?>("--join") { Description = "The head's HOST:PORT, e.g. 127.0.0.1:4053 (or Cluster:SeedNodes in appsettings.json / GYM_Cluster__SeedNodes).", HelpName = "HOST:PORT" };
        var port = new Option<int?>("--port") { Description = "The port this worker listens on (default: any free port).", HelpName = "P" };
        var hostname = new Option<string?>("--hostname") { Description = "The host name or address the head and other workers reach this worker by (default 127.0.0.1).", HelpName = "H" };
        var command = new Command("worker", "Join a cluster head ('gym run --cluster' or 'gym serve --cluster') and host its episodes or sessions, loading environments, indexes and tools here, until the head leaves.")
        {
            join, port, hostname,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = Options(result.GetValue(hostname), result.GetValue(port), result.GetValue(join));
            return await RunWorkerAsync(options, cancellationToken);
        });
        return command;
    }

    /// <summary>The command-line options of a head, added to <c>gym run</c> and (with <c>--cluster-port</c>, since its <c>--port</c> is the HTTP port) to <c>gym serve</c>.</summary>
    internal sealed class HeadOptions
    {
        /// <summary>The options of <c>gym run</c>.</summary>
        public HeadOptions()
            : this(
                "--port",
                "Run as the head of a cluster: plan the run, own the policy and the output file, and play episodes on the workers that join ('gym worker --join HOST:PORT'); see docs/cluster.md.",
                "wait for this many workers before the first episode starts.",
                "play every episode on a worker; the head only plans, serves the policy and writes.")
        {
        }

        private HeadOptions(string portName, string cluster, string minWorkers, string noLocal)
        {
            Cluster = new("--cluster") { Description = cluster };
            Port = new(portName) { Description = "With --cluster: the port the head listens on for workers (default 4053, or Cluster:Port).", HelpName = "P" };
            MinWorkers = new("--min-workers") { Description = "With --cluster: " + minWorkers, DefaultValueFactory = _ => 0, HelpName = "N" };
            NoLocalEpisodes = new("--no-local-episodes") { Description = "With --cluster: " + noLocal };
        }

        /// <summary>The options of <c>gym serve</c>.</summary>
        public static HeadOptions ForServe() => new(
            "--cluster-port",
            "Serve as the head of a cluster: the HTTP/WebSocket server runs here, and each session's environment runs on a worker that joined ('gym worker --join HOST:CLUSTER-PORT'); a session whose worker is lost answers 'session_lost'. See docs/cluster.md.",
            "wait for this many workers before accepting connections.",
            "host every session's environment on a worker; the head only serves HTTP and WebSocket.");

        public Option<bool> Cluster { get; }

        public Option<int?> Port { get; }

        public Option<string?> Hostname { get; } = new("--hostname") { Description = "With --cluster: the host name or address workers reach the head by (default 127.0.0.1).", HelpName = "H" };

        public Option<int> MinWorkers { get; }

        public Option<bool> NoLocalEpisodes { get; }

        public IEnumerable<Option> All => [Cluster, Port, Hostname, MinWorkers, NoLocalEpisodes];

        public HeadSettings? Read(ParseResult result)
        {
            if (!result.GetValue(Cluster))
            {
                foreach (var option in All.Skip(1))
                {
                    if (result.GetResult(option) is { Implicit: false })
                    {
                        throw new CliUsageException($"{option.Name} needs --cluster");
                    }
                }

                return null;
            }

            var minWorkers = result.GetValue(MinWorkers);
            if (minWorkers < 0)
            {
                throw new CliUsageException($"--min-workers must be zero or more (got {minWorkers})");
            }

            var noLocal = result.GetValue(NoLocalEpisodes);
            if (noLocal && minWorkers == 0)
            {
                throw new CliUsageException("--no-local-episodes needs --min-workers 1 or more: otherwise no node would play the episodes");
            }

            return new HeadSettings(result.GetValue(Hostname), result.GetValue(Port), minWorkers, !noLocal);
        }
    }

    /// <summary>What <c>--cluster</c> and its options asked for.</summary>
    internal sealed record HeadSettings(string? Hostname, int? Port, int MinWorkers, bool LocalEpisodes);

    /// <summary>Plays a run as a cluster head; returns the result as a single-process run would.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<RolloutResult> RunHeadAsync(
        HeadSettings settings,
        string source,
        EnvironmentRegistry registry,
        RolloutPlan plan,
        IPolicy policy,
        ITrajectorySink sink,
        PolicyGatewayOptions gateway,
        bool showProgress,
        CancellationToken cancellationToken)
    {
        var environments = new CachedEnvironmentSource(source, registry);
        await using var head = await ClusterHead.StartAsync(HeadNodeOptions(settings), source, environments, settings.LocalEpisodes, gateway, line => Console.Error.WriteLine(line), cancellationToken);
        AnnounceHead(head.Node.Endpoint);
        await head.WaitForWorkersAsync(settings.MinWorkers, ReportWorkers(settings.MinWorkers, "starting"), cancellationToken);
        return await ProgressDisplay.RunAsync(plan.Episodes, showProgress, progress => head.Runner.RunAsync(plan, policy, sink, progress, cancellationToken));
    }

    /// <summary>
    /// Runs <c>gym serve</c> as a cluster head: founds the cluster, waits for the workers, then runs
    /// <paramref name="serve"/> with a session host that opens each session on a node of the cluster.
    /// </summary>
    /// <param name="settings">What --cluster and its options asked for.</param>
    /// <param name="sources">Each served id with what the user named it by (an environment id or a scenario path), which workers load.</param>
    /// <param name="registry">The head's registry of the served ids.</param>
    /// <param name="openTimeout">How long a session's first request waits for its node to open it.</param>
    /// <param name="serve">Serves until stopped; returns the exit code.</param>
    /// <param name="cancellationToken">Stops the head.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> ServeHeadAsync(
        HeadSettings settings,
        IReadOnlyDictionary<string, string> sources,
        EnvironmentRegistry registry,
        TimeSpan openTimeout,
        Func<Gym.Server.Sessions.ISessionHost, Task<int>> serve,
        CancellationToken cancellationToken)
    {
        using var environments = new CachedEnvironmentSource(sources.Values, registry);
        await using var head = await ClusterSessionHead.StartAsync(HeadNodeOptions(settings), environments, settings.LocalEpisodes, line => Console.Error.WriteLine(line), cancellationToken);
        AnnounceHead(head.Node.Endpoint);
        await head.WaitForWorkersAsync(settings.MinWorkers, ReportWorkers(settings.MinWorkers, "serving"), cancellationToken);
        return await serve(new ClusterSessionHost(head.Sessions, sources, openTimeout));
    }

    /// <summary>A head's node options: the given hostname and port, or <see cref="DefaultHeadPort"/>.</summary>
    private static ClusterNodeOptions HeadNodeOptions(HeadSettings settings)
    {
        var options = Options(settings.Hostname, settings.Port, join: null);
        return options.Port == 0 ? options with { Port = DefaultHeadPort } : options;
    }

    private static void AnnounceHead(string endpoint) =>
        Console.Error.WriteLine($"cluster head listening on {endpoint}; workers join with: gym worker --join {endpoint}");

    /// <summary>The progress line of a head waiting for its workers; <paramref name="then"/> names what it does once they are in.</summary>
    private static Action<int> ReportWorkers(int minWorkers, string then) => joined =>
    {
        if (minWorkers > 0)
        {
            Console.Error.WriteLine(joined >= minWorkers
                ? $"workers: {joined}/{minWorkers} joined; {then}"
                : $"waiting for workers: {joined}/{minWorkers} joined");
        }
    };

    /// <summary>The port a head listens on when none is given.</summary>
    public const int DefaultHeadPort = 4053;

    private static async Task<int> RunWorkerAsync(ClusterNodeOptions options, CancellationToken cancellationToken)
    {
        using var environments = new CachedEnvironmentSource();
        var (exit, episodes) = await ClusterWorker.RunAsync(
            options,
            environments,
            endpoint => Console.WriteLine($"worker {endpoint} joined the head at {string.Join(", ", options.SeedNodes)}; hosting episodes"),
            cancellationToken,
            endpoint => Console.WriteLine($"worker {endpoint} started its first episode"));
        switch (exit)
        {
            case WorkerExit.HeadLeft:
                Console.WriteLine($"the head left the cluster; worker stopped after playing {episodes} episodes");
                return ExitCodes.Success;
            case WorkerExit.Stopped:
                return ExitCodes.Cancelled;
            default:
                await Console.Error.WriteLineAsync($"error: lost the head at {string.Join(", ", options.SeedNodes)} (it stopped or became unreachable); worker stopped");
                return ExitCodes.Failure;
        }
    }

    private static ClusterNodeOptions Options(string? hostname, int? port, string? join)
    {
        var options = ClusterNodeOptions.FromConfiguration(ClusterConfiguration.Load(Directory.GetCurrentDirectory()));
        if (hostname is not null)
        {
            options = options with { Hostname = hostname };
        }

        if (port is { } p)
        {
            options = options with { Port = ClusterNodeOptions.ParsePort(p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--port") };
        }

        if (join is not null)
        {
            ClusterNodeOptions.ParseEndpoint(join, "--join");
            options = options with { SeedNodes = [join] };
        }

        return options;
    }

    /// <summary>Loads each environment id or scenario path once per process and keeps what it loaded alive until disposed.</summary>
    private sealed class CachedEnvironmentSource : IEnvironmentSource, IDisposable
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, EnvironmentRegistry> _registries = new(StringComparer.Ordinal);
        private readonly List<BuiltScenario> _scenarios = [];

        public CachedEnvironmentSource()
        {
        }

        /// <summary>A source that already holds the head's own registry for <paramref name="source"/>.</summary>
        public CachedEnvironmentSource(string source, EnvironmentRegistry registry) => _registries[source] = registry;

        /// <summary>A source that already holds the head's own registry, which has every one of <paramref name="sources"/>.</summary>
        public CachedEnvironmentSource(IEnumerable<string> sources, EnvironmentRegistry registry)
        {
            foreach (var source in sources)
            {
                _registries[source] = registry;
            }
        }

        public EnvironmentRegistry Resolve(string source)
        {
            lock (_lock)
            {
                if (!_registries.TryGetValue(source, out var registry))
                {
                    var (loaded, _, scenario) = CommonOptions.Resolve(source);
                    if (scenario is not null)
                    {
                        _scenarios.Add(scenario);
                    }

                    registry = loaded;
                    _registries[source] = registry;
                }

                return registry;
            }
        }

        public void Dispose()
        {
            foreach (var scenario in _scenarios)
            {
                scenario.Dispose();
            }
        }
    }

    /// <summary>Opens each server session as a sharded entity, and reports a lost node as the protocol's <c>session_lost</c>.</summary>
    private sealed class ClusterSessionHost(ClusterSessionClient client, IReadOnlyDictionary<string, string> sources, TimeSpan openTimeout) : Gym.Server.Sessions.ISessionHost
    {
        public Gym.Server.Sessions.IHostedEnvironment Open(string sessionId, string environmentId, IReadOnlyDictionary<string, string> parameters) =>
            new Hosted(client.Open(sessionId, sources[environmentId], environmentId, parameters, openTimeout));

        private sealed class Hosted(RemoteSession session) : Gym.Server.Sessions.IHostedEnvironment
        {
            public Task<Core.Episodes.ResetResult> ResetAsync(long seed, int attempt, TimeSpan timeout, CancellationToken cancellationToken) =>
                Translate(() => session.ResetAsync(seed, attempt, timeout, cancellationToken));

            public Task<Core.Episodes.StepResult> StepAsync(Core.AgentAction action, TimeSpan timeout, CancellationToken cancellationToken) =>
                Translate(() => session.StepAsync(action, timeout, cancellationToken));

            public Gym.Server.Protocol.ServerError? Error => session.LostError is { } lost ? Gym.Server.Protocol.ServerError.SessionLost(lost.Message) : null;

            public void Close() => session.Close();

            private static async Task<T> Translate<T>(Func<Task<T>> call)
            {
                try
                {
                    return await call();
                }
                catch (SessionLostException ex)
                {
                    throw new Gym.Server.Protocol.ServerErrorException(Gym.Server.Protocol.ServerError.SessionLost(ex.Message));
                }
            }
        }
    }
}
