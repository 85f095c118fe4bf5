using System.Globalization;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.SearchQa;
using Gym.Environments.ToolUse;

namespace Gym.Benchmarks;

/// <summary>
/// The step cost of <c>search-qa/synthetic-v0</c> (multi-hop questions, BM25 over a generated corpus of
/// <see cref="BenchOptions.SearchDocuments"/> documents) played directly on one thread, measured the way
/// the <c>stepcost</c> suite measures arithmetic: process CPU µs and bytes allocated per step of the
/// <see cref="EpisodeRunner"/> loop (token counting on), with and without the rollout line. The arithmetic
/// loop runs interleaved in the same repetitions as the baseline, so the ratio holds under load.
/// </summary>
internal sealed class SearchStepCostSuite(BenchOptions options)
{
    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        var documents = options.SearchDocuments.ToString(CultureInfo.InvariantCulture);
        var search = new EnvironmentParameters(new Dictionary<string, string> { ["documents"] = documents, ["hops"] = "multi-hop" });
        var registry = new EnvironmentRegistry().AddToolUse().AddSearchQa();
        var counter = TokenCounters.Default;
        var searchExpert = registry.Get(SearchQaEnvironments.Synthetic).CreateExpert!(search, new ExpertSettings(options.ErrorRate, options.Seed));
        var arithmeticExpert = registry.Get(ToolUseEnvironments.Arithmetic).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));

        Progress.Line($"search step cost: opening or building the {documents}-document index");
        var build = new Meter();
        using var searchEnvironment = registry.Make(SearchQaEnvironments.Synthetic, search);
        var buildCost = build.Stop();
        using var arithmeticEnvironment = registry.Make(ToolUseEnvironments.Arithmetic);

        var episodes = Math.Max(1, options.StepCostEpisodes / 8);
        Progress.Line("search step cost: warming up");
        await StepCostSuite.LoopAsync(searchEnvironment, searchExpert, counter, Math.Min(episodes, 128), json: true).ConfigureAwait(false);
        await StepCostSuite.LoopAsync(arithmeticEnvironment, arithmeticExpert, counter, Math.Min(options.StepCostEpisodes, 1024), json: true).ConfigureAwait(false);

        var plain = new List<StepCostSuite.LoopSample>();
        var withJson = new List<StepCostSuite.LoopSample>();
        var arithmetic = new List<StepCostSuite.LoopSample>();
        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            Stats.FullGc();
            plain.Add(await StepCostSuite.LoopAsync(searchEnvironment, searchExpert, counter, episodes, json: false).ConfigureAwait(false));
            Stats.FullGc();
            withJson.Add(await StepCostSuite.LoopAsync(searchEnvironment, searchExpert, counter, episodes, json: true).ConfigureAwait(false));
            Stats.FullGc();
            arithmetic.Add(await StepCostSuite.LoopAsync(arithmeticEnvironment, arithmeticExpert, counter, options.StepCostEpisodes, json: true).ConfigureAwait(false));
            Progress.Line($"search step cost rep {rep}/{options.Repetitions}: {plain[^1].CpuMicrosecondsPerStep:0.0} CPU µs/step {plain[^1].BytesPerStep:0} B/step; with JSON {withJson[^1].CpuMicrosecondsPerStep:0.0} µs; arithmetic {arithmetic[^1].CpuMicrosecondsPerStep:0.0} µs");
        }

        var table = new ResultTable(
            $"Search-QA step cost: search-qa/synthetic-v0, hops multi-hop, {documents} documents, expert:{options.ErrorRate.ToString(CultureInfo.InvariantCulture)}, one thread, {Stats.Num(episodes)} episodes per rep (median of {options.Repetitions})",
            "loop", "CPU µs / step", "range", "bytes / step", "steps / episode");
        void Row(string name, List<StepCostSuite.LoopSample> samples, int episodesPerRep) => table.Add(
            name,
            Stats.Num(Stats.Median(samples.Select(s => s.CpuMicrosecondsPerStep)), 1),
            $"{Stats.Num(samples.Min(s => s.CpuMicrosecondsPerStep), 1)}–{Stats.Num(samples.Max(s => s.CpuMicrosecondsPerStep), 1)}",
            Stats.Num(Stats.Median(samples.Select(s => s.BytesPerStep))),
            Stats.Num(Stats.Median(samples.Select(s => s.Steps / (double)episodesPerRep)), 2));
        Row("search QA: EpisodeRunner loop (token counting on)", plain, episodes);
        Row("search QA: same + JSON line per episode", withJson, episodes);
        Row("arithmetic-v0 + JSON line, same repetitions (baseline)", arithmetic, options.StepCostEpisodes);
        var ratios = withJson.Zip(arithmetic, (s, a) => s.CpuMicrosecondsPerStep / a.CpuMicrosecondsPerStep).ToList();
        table.Note($"search-QA step / arithmetic step, per repetition: median {Stats.Num(Stats.Median(ratios), 1)}× (range {Stats.Num(ratios.Min(), 1)}–{Stats.Num(ratios.Max(), 1)}×)");
        table.Note($"making the environment (the {documents}-document index opened from the cache, or built when missing; once, not in the figures): {buildCost.WallSeconds:0.0} s wall, {buildCost.CpuSeconds:0.0} s CPU");
        return [table];
    }
}
