using System.Diagnostics;
using System.Globalization;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Microsoft.ML.Tokenizers;

namespace Gym.Benchmarks;

/// <summary>
/// The cost of one o200k token count, ours (<see cref="TokenCounters.Default"/>, a reader of the library's rank
/// file) against Microsoft.ML.Tokenizers' <c>TiktokenTokenizer</c> as the baseline, in the same process and the
/// same repetitions: every message text of arithmetic-v0 episodes (system prompt, task, actions, tool results),
/// counted text by text the way a context is counted, untimed inside.
/// </summary>
internal sealed class TokenCountSuite(BenchOptions options)
{
    private sealed record Sample(double NanosecondsPerCall, double BytesPerCall);

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        var texts = await TextsAsync().ConfigureAwait(false);
        var ours = TokenCounters.Default;
        var library = TiktokenTokenizer.CreateForEncoding("o200k_base");
        var oursTotal = texts.Sum(ours.CountText);
        var libraryTotal = texts.Sum(t => library.CountTokens(t));
        if (oursTotal != libraryTotal)
        {
            throw new InvalidOperationException($"the counters disagree on the benchmark texts: ours {oursTotal}, the library's {libraryTotal}");
        }

        Progress.Line($"token count: {texts.Count} texts, {oursTotal} tokens; warming up");
        Measure(texts, ours.CountText);
        Measure(texts, t => library.CountTokens(t));

        var oursSamples = new List<Sample>();
        var librarySamples = new List<Sample>();
        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            Stats.FullGc();
            oursSamples.Add(Measure(texts, ours.CountText));
            Stats.FullGc();
            librarySamples.Add(Measure(texts, t => library.CountTokens(t)));
            Progress.Line($"token count rep {rep}/{options.Repetitions}: ours {oursSamples[^1].NanosecondsPerCall:0} ns/call, library {librarySamples[^1].NanosecondsPerCall:0} ns/call");
        }

        var table = new ResultTable(
            $"o200k token count per message text (arithmetic-v0, {texts.Count} texts, mean {oursTotal / (double)texts.Count:0.0} tokens; median of {options.Repetitions})",
            "counter", "ns / call", "range", "bytes / call");
        Add(table, "ours (TokenCounters.Default: O200kBpe)", oursSamples);
        Add(table, "Microsoft.ML.Tokenizers TiktokenTokenizer (baseline)", librarySamples);
        var ratios = oursSamples.Zip(librarySamples, (o, l) => l.NanosecondsPerCall / o.NanosecondsPerCall).ToList();
        table.Add("**ratio library / ours (pairwise)**", $"**{Fmt(Stats.Median(ratios), "0.0")}×**", $"{Fmt(ratios.Min(), "0.0")}–{Fmt(ratios.Max(), "0.0")}×", string.Empty);
        table.Note("both count the same texts to the same totals (checked before timing); bytes are allocated by the counting thread.");
        return [table];
    }

    private static void Add(ResultTable table, string name, List<Sample> samples)
    {
        var ns = samples.Select(s => s.NanosecondsPerCall).ToList();
        table.Add(name, Fmt(Stats.Median(ns), "0"), $"{Fmt(ns.Min(), "0")}–{Fmt(ns.Max(), "0")}", Fmt(Stats.Median(samples.Select(s => s.BytesPerCall).ToList()), "0"));
    }

    private static Sample Measure(List<string> texts, Func<string, int> count)
    {
        // Enough passes for a repetition to take a few hundred milliseconds.
        const int Passes = 20;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var sink = 0L;
        for (var pass = 0; pass < Passes; pass++)
        {
            foreach (var text in texts)
            {
                sink += count(text);
            }
        }

        var elapsed = clock.Elapsed;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        var calls = (double)Passes * texts.Count;
        GC.KeepAlive(sink);
        return new Sample(elapsed.TotalMilliseconds * 1e6 / calls, allocated / calls);
    }

    /// <summary>Every message text of arithmetic episodes played by the expert, in the order a recorder counts them.</summary>
    private async Task<List<string>> TextsAsync()
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        var policy = registry.Get(ToolUseEnvironments.Arithmetic).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));
        using var environment = registry.Make(ToolUseEnvironments.Arithmetic);
        var texts = new List<string>();
        for (var episode = 0; episode < 256; episode++)
        {
            var record = await EpisodeRunner.RunAsync(environment, policy, episode, options.Seed + episode, MemorySpec.Full).ConfigureAwait(false);
            texts.AddRange(record.Prompt.Select(m => m.Content));
            foreach (var turn in record.Turns)
            {
                texts.Add(turn.Action.Text);
                texts.AddRange(turn.Observation.Select(m => m.Content));
            }
        }

        return texts;
    }

    private static string Fmt(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
