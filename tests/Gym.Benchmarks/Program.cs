using System.Diagnostics;

namespace Gym.Benchmarks;

/// <summary>Entry point: parses options, runs the chosen suites, prints the result tables.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync(BenchOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }

#if DEBUG
        Progress.Line("WARNING: this is a Debug build; run with -c Release for representative numbers");
#endif
        var clock = Stopwatch.StartNew();
        var tables = new List<ResultTable> { MachineInfo.Describe(options) };
        await Warmup.RunAsync(options, TimeSpan.FromSeconds(options.WarmupSeconds)).ConfigureAwait(false);
        if (options.Suites.Contains("throughput"))
        {
            tables.AddRange(await new ThroughputSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("latency"))
        {
            tables.AddRange(await new LatencySuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("diagnostics"))
        {
            tables.AddRange(await new DiagnosticsSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("rewards"))
        {
            tables.AddRange(await new RewardsSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("memory"))
        {
            tables.AddRange(await new MemorySuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("stepcost"))
        {
            tables.AddRange(await new StepCostSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("stepcost-search"))
        {
            tables.AddRange(await new SearchStepCostSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("tokencount"))
        {
            tables.AddRange(await new TokenCountSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("server"))
        {
            tables.AddRange(await new ServerSuite(options).RunAsync().ConfigureAwait(false));
        }

        if (options.Suites.Contains("cluster"))
        {
            tables.AddRange(await new ClusterSuite(options).RunAsync().ConfigureAwait(false));
        }

        Progress.Line($"done in {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var table in tables)
        {
            Console.Write(table.Render(options.Markdown));
        }

        if (options.Markdown)
        {
            Console.WriteLine($"_Total benchmark time: {clock.Elapsed.TotalSeconds:0} s._");
        }

        if (Progress.Failures > 0)
        {
            await Console.Error.WriteLineAsync($"error: {Progress.Failures} episodes failed or went missing (see the tables)").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }
}
