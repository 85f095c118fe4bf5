using System.Diagnostics;
using System.Globalization;
using System.Text;
using Gym.Environments.SearchQa.Index;
using Gym.SearchBench;

// Usage: Gym.SearchBench [--corpus kb|zipf] [--sizes 10000,100000[,1000000]] [--queries 2000] [--warmup 500]
//                        [--k 5] [--threads 2] [--seed 42] [--root DIR] [--keep] [--common-share 0.1 (1 = plain OR query)]
var settings = BenchSettings.Parse(args);
var root = settings.Root ?? Path.Combine(Path.GetTempPath(), "gym-searchbench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Console.WriteLine(MachineNotes(settings, root));

var rows = new List<Row>();
try
{
    foreach (var size in settings.Sizes)
    {
        rows.Add(Measure(size, settings, root));
        Console.WriteLine(Row.Header(settings.K));
        Console.WriteLine(Row.Separator);
        foreach (var row in rows)
        {
            Console.WriteLine(row.Markdown());
        }

        Console.WriteLine();
    }
}
finally
{
    if (!settings.Keep && settings.Root is null && Directory.Exists(root))
    {
        Directory.Delete(root, recursive: true);
    }
}

Console.WriteLine($"load average after: {LoadAverage()}");
return 0;

static Row Measure(int size, BenchSettings settings, string root)
{
    var generate = Stopwatch.StartNew();
    var workload = Workload.Create(settings.Corpus, size, settings);
    var corpus = workload.Corpus;
    generate.Stop();
    var textMb = corpus.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Title) + Encoding.UTF8.GetByteCount(d.Text)) / 1e6;
    Console.Error.WriteLine($"[{size:N0}] generated {textMb:N0} MB of text in {generate.Elapsed.TotalSeconds:N1} s; building...");

    var options = new SearchIndexOptions { CacheRoot = root, CommonTermShare = settings.CommonTermShare };
    Gc();
    double buildS, coldOpenS;
    long sizeBytes;
    using (var cold = SearchIndex.Open(corpus, options))
    {
        if (!cold.WasBuilt)
        {
            throw new InvalidOperationException($"expected a cold build, but {cold.IndexPath} was reused; pass an empty --root");
        }

        buildS = cold.BuildTime.TotalSeconds;
        coldOpenS = cold.OpenTime.TotalSeconds;
        sizeBytes = cold.SizeBytes;
    }

    Console.Error.WriteLine($"[{size:N0}] built in {buildS:N1} s ({coldOpenS:N1} s in all); reopening...");
    Gc();
    double warmChecksumsMs;
    using (var warm = SearchIndex.Open(corpus, options))
    {
        Require(!warm.WasBuilt, "the warm open rebuilt the index");
        warmChecksumsMs = warm.OpenTime.TotalMilliseconds;
    }

    Gc();
    using var index = SearchIndex.Open(corpus, options with { Verification = IndexVerification.Fast });
    Require(!index.WasBuilt, "the warm open rebuilt the index");
    var warmFastMs = index.OpenTime.TotalMilliseconds;
    var queries = workload.Queries;
    var warmup = workload.Warmup;
    // Drop the corpus (hundreds of MB at 1M documents) before measuring, so the GC does not keep walking it.
    corpus = null;
    workload = workload with { Corpus = [] };
    // At least the warm-up queries and at least 3 s of them: tiered JIT promotes hot methods only
    // after a quiet period, and the first size measured would otherwise pay for it.
    var warming = Stopwatch.StartNew();
    for (var i = 0; i < warmup.Count || warming.Elapsed < TimeSpan.FromSeconds(3); i++)
    {
        index.Search(warmup[i % warmup.Count], settings.K);
    }

    Gc();
    var latencies = new double[queries.Count];
    // Kept and judged after the loop, so that hop recall costs nothing inside the timed region.
    var results = new IReadOnlyList<SearchHit>[queries.Count];
    var all = Stopwatch.StartNew();
    for (var i = 0; i < queries.Count; i++)
    {
        var start = Stopwatch.GetTimestamp();
        results[i] = index.Search(queries[i], settings.K);
        latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    all.Stop();
    var singleQps = queries.Count / all.Elapsed.TotalSeconds;
    Array.Sort(latencies);
    var hits = results.Sum(r => (long)r.Count);
    var recall = workload.Targets is { } targets ? HopRecall.Judge(results, targets, queries, settings.K) : null;
    if (recall is not null)
    {
        Console.Error.WriteLine($"[{size:N0}] {recall.Describe()}");
    }

    results = null;

    Gc();
    var parallel = Stopwatch.StartNew();
    var perThread = queries.Count;
    var threads = Enumerable.Range(0, settings.Threads).Select(t => new Thread(() =>
    {
        for (var i = 0; i < perThread; i++)
        {
            index.Search(queries[(i + (t * 997)) % queries.Count], settings.K);
        }
    })).ToList();
    threads.ForEach(t => t.Start());
    threads.ForEach(t => t.Join());
    parallel.Stop();
    var parallelQps = perThread * settings.Threads / parallel.Elapsed.TotalSeconds;

    return new Row(
        size, textMb, buildS, sizeBytes / 1e6, warmChecksumsMs, warmFastMs,
        Percentile(latencies, 50), Percentile(latencies, 99), latencies.Average(), singleQps, settings.Threads, parallelQps,
        (double)hits / queries.Count, recall?.AtOne, recall?.AtK);
}

static void Require(bool condition, string message)
{
    if (!condition)
    {
        throw new InvalidOperationException(message);
    }
}

static double Percentile(double[] sorted, double p)
{
    var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
    return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
}

static void Gc()
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string MachineNotes(BenchSettings settings, string root)
{
    using var process = Process.GetCurrentProcess();
    return $"""
        ## Search benchmark

        | | |
        | --- | --- |
        | cores | {Environment.ProcessorCount} |
        | runtime | .NET {Environment.Version} ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC) |
        | OS | {System.Runtime.InteropServices.RuntimeInformation.OSDescription} |
        | priority | {process.PriorityClass} (nice via `nice -n`) |
        | load average before | {LoadAverage()} |
        | corpus | {(settings.Corpus == CorpusKind.Kb ? "kb: the generated knowledge base (20% distractors); queries are its questions' hop queries, all four kinds" : "zipf: the synthetic Zipfian corpus")} |
        | settings | seed {settings.Seed}, {settings.Queries:N0} queries after ≥ {settings.Warmup:N0} and ≥ 3 s of warm-up, top-{settings.K}, {settings.Threads} threads for the parallel column |
        | cache root | `{root}` |

        """;
}

internal sealed record BenchSettings(CorpusKind Corpus, IReadOnlyList<int> Sizes, int Queries, int Warmup, int K, int Threads, long Seed, string? Root, bool Keep, double CommonTermShare = 0.1)
{
    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings(CorpusKind.Kb, [10_000, 100_000], 2_000, 500, 5, 2, 42, null, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--corpus" => settings with
                {
                    Corpus = Next() switch
                    {
                        "kb" => CorpusKind.Kb,
                        "zipf" => CorpusKind.Zipf,
                        var other => throw new ArgumentException($"--corpus must be kb or zipf, not {other}"),
                    },
                },
                "--sizes" => settings with { Sizes = Next().Split(',').Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList() },
                "--queries" => settings with { Queries = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => settings with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--k" => settings with { K = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--common-share" => settings with { CommonTermShare = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--threads" => settings with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => settings with { Seed = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--root" => settings with { Root = Next() },
                "--keep" => settings with { Keep = true },
                _ => throw new ArgumentException($"unknown argument {args[i]}; see the usage line at the top of Program.cs"),
            };
        }

        return settings;
    }
}

internal sealed record Row(
    int Documents, double TextMb, double BuildS, double IndexMb, double WarmOpenChecksumsMs, double WarmOpenFastMs,
    double P50Us, double P99Us, double MeanUs, double SingleQps, int Threads, double ParallelQps, double HitsPerQuery,
    double? RecallAtOne, double? RecallAtK)
{
    public const string Separator = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    public static string Header(int k) =>
        $"| documents | text MB | build s | index MB | warm open, checksums ms | warm open, fast ms | p50 µs | p99 µs | mean µs | queries/s, 1 thread | queries/s, 2 threads | hits/query | hop recall@1 | hop recall@{k} |";

    public string Markdown() => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Documents:N0} | {TextMb:N1} | {BuildS:N1} | {IndexMb:N1} | {WarmOpenChecksumsMs:N0} | {WarmOpenFastMs:N0} | {P50Us:N0} | {P99Us:N0} | {MeanUs:N0} | {SingleQps:N0} | {ParallelQps:N0} | {HitsPerQuery:N1} | {Share(RecallAtOne)} | {Share(RecallAtK)} |");

    private static string Share(double? share) => share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s * 100:N1}%") : "—";
}
