using System.Diagnostics;
using System.Globalization;
using System.Text;
using Gym.Environments.SearchQa.Index;
using Gym.SearchBench;

// Usage: Gym.SearchBench [--sizes 10000,100000[,1000000]] [--queries 2000] [--warmup 500] [--k 5]
//                        [--threads 2] [--seed 42] [--root DIR] [--keep]
var settings = BenchSettings.Parse(args);
var root = settings.Root ?? Path.Combine(Path.GetTempPath(), "gym-searchbench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Console.WriteLine(MachineNotes(settings, root));

var rows = new List<Row>();
try
{
    var generator = new SyntheticCorpus(settings.Seed);
    foreach (var size in settings.Sizes)
    {
        rows.Add(Measure(generator, size, settings, root));
        Console.WriteLine(Row.Header);
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

static Row Measure(SyntheticCorpus generator, int size, BenchSettings settings, string root)
{
    var generate = Stopwatch.StartNew();
    // Materialised, so that generating the synthetic text is not counted as hashing or indexing time.
    var corpus = generator.Documents(size).ToList();
    generate.Stop();
    var textMb = corpus.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Title) + Encoding.UTF8.GetByteCount(d.Text)) / 1e6;
    Console.Error.WriteLine($"[{size:N0}] generated {textMb:N0} MB of text in {generate.Elapsed.TotalSeconds:N1} s; building...");

    var options = new SearchIndexOptions { CacheRoot = root };
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
    corpus = null;

    var queries = Enumerable.Range(0, settings.Queries).Select(i => generator.Query(i, size)).ToArray();
    var warmup = Enumerable.Range(0, settings.Warmup).Select(i => generator.Query(1_000_000 + i, size)).ToArray();
    // At least the warm-up queries and at least 3 s of them: tiered JIT promotes hot methods only
    // after a quiet period, and the first size measured would otherwise pay for it.
    var warming = Stopwatch.StartNew();
    for (var i = 0; i < warmup.Length || warming.Elapsed < TimeSpan.FromSeconds(3); i++)
    {
        index.Search(warmup[i % warmup.Length], settings.K);
    }

    Gc();
    var latencies = new double[queries.Length];
    var hits = 0L;
    var all = Stopwatch.StartNew();
    for (var i = 0; i < queries.Length; i++)
    {
        var start = Stopwatch.GetTimestamp();
        hits += index.Search(queries[i], settings.K).Count;
        latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    all.Stop();
    var singleQps = queries.Length / all.Elapsed.TotalSeconds;
    Array.Sort(latencies);

    Gc();
    var parallel = Stopwatch.StartNew();
    var perThread = queries.Length;
    var threads = Enumerable.Range(0, settings.Threads).Select(t => new Thread(() =>
    {
        for (var i = 0; i < perThread; i++)
        {
            index.Search(queries[(i + (t * 997)) % queries.Length], settings.K);
        }
    })).ToList();
    threads.ForEach(t => t.Start());
    threads.ForEach(t => t.Join());
    parallel.Stop();
    var parallelQps = perThread * settings.Threads / parallel.Elapsed.TotalSeconds;

    return new Row(
        size, textMb, buildS, sizeBytes / 1e6, warmChecksumsMs, warmFastMs,
        Percentile(latencies, 50), Percentile(latencies, 99), latencies.Average(), singleQps, settings.Threads, parallelQps,
        (double)hits / queries.Length);
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
        | settings | seed {settings.Seed}, {settings.Queries:N0} queries after ≥ {settings.Warmup:N0} and ≥ 3 s of warm-up, top-{settings.K}, {settings.Threads} threads for the parallel column |
        | cache root | `{root}` |

        """;
}

internal sealed record BenchSettings(IReadOnlyList<int> Sizes, int Queries, int Warmup, int K, int Threads, long Seed, string? Root, bool Keep)
{
    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings([10_000, 100_000], 2_000, 500, 5, 2, 42, null, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--sizes" => settings with { Sizes = Next().Split(',').Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList() },
                "--queries" => settings with { Queries = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => settings with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--k" => settings with { K = int.Parse(Next(), CultureInfo.InvariantCulture) },
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
    double P50Us, double P99Us, double MeanUs, double SingleQps, int Threads, double ParallelQps, double HitsPerQuery)
{
    public const string Header =
        "| documents | text MB | build s | index MB | warm open, checksums ms | warm open, fast ms | p50 µs | p99 µs | mean µs | queries/s, 1 thread | queries/s, 2 threads | hits/query |";

    public const string Separator = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    public string Markdown() => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Documents:N0} | {TextMb:N0} | {BuildS:N1} | {IndexMb:N0} | {WarmOpenChecksumsMs:N0} | {WarmOpenFastMs:N0} | {P50Us:N0} | {P99Us:N0} | {MeanUs:N0} | {SingleQps:N0} | {ParallelQps:N0} | {HitsPerQuery:N1} |");
}
