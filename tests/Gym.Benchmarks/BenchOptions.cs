using System.Globalization;

namespace Gym.Benchmarks;

/// <summary>The command line of the benchmark program.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Gym benchmarks: whole-scenario throughput, step latency and idle-episode memory of the actor
        runtime against direct EpisodeRunner calls. Results go to stdout, progress to stderr.

        Usage: dotnet run -c Release --project tests/Gym.Benchmarks -- [options]

        Options:
          --suites LIST              any of throughput,latency,memory,diagnostics,rewards,server,stepcost,stepcost-search,tokencount,cluster, or all
                                     (default: throughput,latency,memory)
          --reps N                   repetitions of each throughput, latency and diagnostics measurement, interleaved;
                                     medians are reported (default: 5)
          --memory-reps N            repetitions of each memory measurement (default: 3)
          --markdown                 print the result tables as Markdown
          --warmup S                 minimum seconds of JIT warm-up before the suites (default: 8)
          --concurrency LIST         actor-runtime concurrencies for throughput (default: 1,64,4096)
          --direct LIST              concurrent direct loops for throughput (default: 1,64)
          --interleaved LIST         direct loops interleaved step by step (Task.Yield), for throughput with as many
                                     episodes in flight as the actors hold (default: 4096; 0 = none)
          --episodes N               episodes per throughput measurement; 0 = auto, max(4096, 2 x concurrency) (default: 0)
          --latency-concurrency LIST concurrencies for the actor step-latency suite (default: 1,64)
          --latency-episodes N       episodes per latency measurement (default: 2048)
          --diagnostics-concurrency LIST concurrencies of the diagnostics suite (default: 64,4096)
          --memory-sizes LIST        idle episodes held at once by the memory suite (default: 4096,16384)
          --no-breakdown             skip the memory breakdown (bare actors, environments alone, tiny environment)
          --server-sessions LIST     concurrent sessions of the server suite (default: 1,64,1024)
          --server-seconds S         seconds per server-suite measurement (default: 3)
          --stepcost-episodes N      episodes per step-cost measurement (breakdown, direct loop, Python twin) (default: 4096)
          --search-documents N       corpus size of the stepcost-search suite (search-qa/synthetic-v0, multi-hop) (default: 100000)
          --no-python                skip the Python twin in the step-cost suite
          --sink null|memory         trajectory sink of actor runs: a counting null sink or InMemoryTrajectorySink (default: null)
          --error-rate R             the expert's deliberate-mistake rate (default: 0.1)
          --cluster-episodes N       episodes per cluster-suite run (default: 2000)
          --cluster-source ID|PATH   environment id or scenario file of the cluster suite
                                     (default: scenarios/search-qa/multi-hop.yaml, from the working directory)
          --cluster-workers LIST     worker counts the cluster suite compares with one process (default: 1,2,3)
          --seed N                   run seed (default: 42)
          -h, --help                 show this help
        """;

    public IReadOnlySet<string> Suites { get; private set; } = new HashSet<string>(["throughput", "latency", "memory"], StringComparer.Ordinal);

    public int Repetitions { get; private set; } = 5;

    public int MemoryRepetitions { get; private set; } = 3;

    public bool Markdown { get; private set; }

    public int WarmupSeconds { get; private set; } = 8;

    public IReadOnlyList<int> ActorConcurrency { get; private set; } = [1, 64, 4096];

    public IReadOnlyList<int> DirectConcurrency { get; private set; } = [1, 64];

    public IReadOnlyList<int> InterleavedConcurrency { get; private set; } = [4096];

    public int Episodes { get; private set; }

    public IReadOnlyList<int> LatencyConcurrency { get; private set; } = [1, 64];

    public int LatencyEpisodes { get; private set; } = 2048;

    public IReadOnlyList<int> DiagnosticsConcurrency { get; private set; } = [64, 4096];

    public IReadOnlyList<int> MemorySizes { get; private set; } = [4096, 16384];

    public bool MemoryBreakdown { get; private set; } = true;

    public IReadOnlyList<int> ServerSessions { get; private set; } = [1, 64, 1024];

    public double ServerSeconds { get; private set; } = 3;

    public bool InMemorySink { get; private set; }

    public int StepCostEpisodes { get; private set; } = 4096;

    /// <summary>Corpus size of the search-QA step-cost measurement.</summary>
    public int SearchDocuments { get; private set; } = 100_000;

    public bool Python { get; private set; } = true;

    public double ErrorRate { get; private set; } = 0.1;

    public long Seed { get; private set; } = 42;

    public int ClusterEpisodes { get; private set; } = 2000;

    public string ClusterSource { get; private set; } = "scenarios/search-qa/multi-hop.yaml";

    public IReadOnlyList<int> ClusterWorkers { get; private set; } = [1, 2, 3];

    public bool Help { get; private set; }

    /// <summary>Episodes for one throughput measurement at <paramref name="concurrency"/>.</summary>
    public int EpisodesFor(int concurrency) => Episodes > 0 ? Episodes : Math.Max(4096, 2 * concurrency);

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            switch (arg)
            {
                case "-h" or "--help" or "-?":
                    options.Help = true;
                    break;
                case "--markdown":
                    options.Markdown = true;
                    break;
                case "--no-python":
                    options.Python = false;
                    break;
                case "--search-documents":
                    options.SearchDocuments = PositiveInt(arg, Value());
                    break;
                case "--stepcost-episodes":
                    options.StepCostEpisodes = PositiveInt(arg, Value());
                    break;
                case "--no-breakdown":
                    options.MemoryBreakdown = false;
                    break;
                case "--suites":
                    options.Suites = ParseSuites(Value());
                    break;
                case "--warmup":
                    options.WarmupSeconds = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && w >= 0
                        ? w
                        : throw new ArgumentException("--warmup needs a whole number of seconds >= 0");
                    break;
                case "--reps":
                    options.Repetitions = PositiveInt(arg, Value());
                    break;
                case "--memory-reps":
                    options.MemoryRepetitions = PositiveInt(arg, Value());
                    break;
                case "--concurrency":
                    options.ActorConcurrency = IntList(arg, Value());
                    break;
                case "--direct":
                    options.DirectConcurrency = IntList(arg, Value());
                    break;
                case "--interleaved":
                    options.InterleavedConcurrency = Value() == "0" ? [] : IntList(arg, args[i]);
                    break;
                case "--episodes":
                    options.Episodes = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) && e >= 0
                        ? e
                        : throw new ArgumentException("--episodes needs a whole number >= 0");
                    break;
                case "--latency-concurrency":
                    options.LatencyConcurrency = IntList(arg, Value());
                    break;
                case "--latency-episodes":
                    options.LatencyEpisodes = PositiveInt(arg, Value());
                    break;
                case "--diagnostics-concurrency":
                    options.DiagnosticsConcurrency = IntList(arg, Value());
                    break;
                case "--memory-sizes":
                    options.MemorySizes = IntList(arg, Value());
                    break;
                case "--server-sessions":
                    options.ServerSessions = IntList(arg, Value());
                    break;
                case "--server-seconds":
                    options.ServerSeconds = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ss) && ss is > 0 and <= 600
                        ? ss
                        : throw new ArgumentException("--server-seconds needs a number of seconds > 0");
                    break;
                case "--sink":
                    options.InMemorySink = Value() switch
                    {
                        "null" => false,
                        "memory" => true,
                        var other => throw new ArgumentException($"--sink must be null or memory (got '{other}')"),
                    };
                    break;
                case "--error-rate":
                    options.ErrorRate = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1
                        ? r
                        : throw new ArgumentException("--error-rate needs a number between 0 and 1");
                    break;
                case "--cluster-episodes":
                    options.ClusterEpisodes = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ce) && ce > 0
                        ? ce
                        : throw new ArgumentException("--cluster-episodes needs a whole number above 0");
                    break;
                case "--cluster-source":
                    options.ClusterSource = Value();
                    break;
                case "--cluster-workers":
                    options.ClusterWorkers = IntList(arg, Value());
                    break;
                case "--seed":
                    options.Seed = long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
                        ? s
                        : throw new ArgumentException("--seed needs a whole number");
                    break;
                default:
                    throw new ArgumentException($"unknown option '{arg}' (see --help)");
            }
        }

        return options;
    }

    private static HashSet<string> ParseSuites(string text)
    {
        var known = new[] { "throughput", "latency", "memory", "diagnostics", "rewards", "server", "stepcost", "stepcost-search", "tokencount", "cluster" };
        var suites = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part == "all")
            {
                suites.UnionWith(known);
            }
            else if (known.Contains(part, StringComparer.Ordinal))
            {
                suites.Add(part);
            }
            else
            {
                throw new ArgumentException($"unknown suite '{part}' (known: {string.Join(", ", known)}, all)");
            }
        }

        return suites.Count > 0 ? suites : throw new ArgumentException("--suites needs at least one suite");
    }

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} needs a whole number > 0 (got '{text}')");

    private static int[] IntList(string name, string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length > 0 ? [.. parts.Select(p => PositiveInt(name, p))] : throw new ArgumentException($"{name} needs a comma-separated list");
    }
}
