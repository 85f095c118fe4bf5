using System.Diagnostics;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Scenarios;

namespace Gym.Benchmarks;

/// <summary>
/// Suite "rewards": what the reward library costs. (1) Steps per second of the direct loop on the
/// same arithmetic task under the default program (format, tool_call, task outcome) and under a
/// dense program (ToolRL, two milestones, turn cost, numeric match, token F1, a clip + shaping
/// tree), and with a rule-based rubric added. (2) Re-scoring recorded episodes with
/// EpisodeRescorer against re-playing them with the expert, both under the dense program.
/// Repetitions are interleaved in one process; medians and ratios reported.
/// </summary>
internal sealed class RewardsSuite(BenchOptions options)
{
    private const int Episodes = 4000;

    private const string Task = """
        task:
          environment: tool-use/arithmetic-v0
          params: {difficulty: 3}
        limits: {max_turns: 10}
        """;

    private const string Dense = """
        rewards:
          process:
            - {kind: format, weight: 0.2}
            - {kind: toolrl, weight: 0.05}
            - {kind: turn_cost, weight: 0.01}
            - {kind: milestone, name: first_result, weight: 0.1, params: {when: "plan_calls_done >= 1"}}
            - {kind: milestone, name: clean_plan, weight: 0.1, params: {when: "plan_calls_done >= 3 and tool_errors == 0"}}
          outcome:
            - {kind: numeric_match, weight: 1}
            - {kind: token_f1, weight: 0}
          combine:
            kind: clip
            params: {lo: -1, hi: 2}
            of: [format, toolrl, turn_cost, first_result, clean_plan, numeric_match]
            children:
              - kind: shaping
                params: {potential: plan_calls_done, gamma: 1, scale: 0.05}
        """;

    private const string Rubric = """
            - kind: rubric
              weight: 0.2
              criteria:
                - {name: number, regex: "^-?[0-9][0-9.,]*$", hard: true}
                - {name: short, regex: "^.{1,12}$"}
        """;

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("gym-bench-rewards-").FullName;
        try
        {
            var registry = new EnvironmentRegistry().AddToolUse();
            var programs = new (string Name, string Id)[]
            {
                ("default program (format, tool_call, task outcome)", Register(registry, folder, "default", "")),
                ("dense program (ToolRL, milestones, turn cost, F1, clip + shaping tree)", Register(registry, folder, "dense", Dense)),
                ("dense program + rule-based rubric", Register(registry, folder, "rubric", Dense.Replace("    - {kind: token_f1, weight: 0}\n", "    - {kind: token_f1, weight: 0}\n" + Rubric + "\n", StringComparison.Ordinal).Replace("numeric_match]", "numeric_match, rubric]", StringComparison.Ordinal))),
            };

            var steps = programs.ToDictionary(p => p.Name, _ => new List<double>());
            var rescore = new List<double>();
            var replay = new List<double>();
            Progress.Line("rewards: warming up");
            foreach (var (_, id) in programs)
            {
                await PlayAsync(registry, id, 500).ConfigureAwait(false);
            }

            var recorded = (await PlayAsync(registry, programs[0].Id, Episodes).ConfigureAwait(false)).Records;
            for (var rep = 1; rep <= options.Repetitions; rep++)
            {
                foreach (var (name, id) in programs)
                {
                    Stats.FullGc();
                    var (seconds, count, _) = await PlayAsync(registry, id, Episodes).ConfigureAwait(false);
                    steps[name].Add(count / seconds);
                    Progress.Line($"rewards rep {rep}/{options.Repetitions}: {name,-72} {Stats.Num(count / seconds),9} steps/s");
                }

                Stats.FullGc();
                var (replaySeconds, _, _) = await PlayAsync(registry, programs[1].Id, Episodes).ConfigureAwait(false);
                replay.Add(Episodes / replaySeconds);
                Stats.FullGc();
                var rescoreSeconds = await RescoreAsync(registry, programs[1].Id, recorded).ConfigureAwait(false);
                rescore.Add(Episodes / rescoreSeconds);
                Progress.Line($"rewards rep {rep}/{options.Repetitions}: re-score {Stats.Num(Episodes / rescoreSeconds)} episodes/s, re-play {Stats.Num(Episodes / replaySeconds)} episodes/s");
            }

            var baseline = Stats.Median(steps[programs[0].Name]);
            var table = new ResultTable("Reward programs: direct-loop steps/s on arithmetic difficulty 3 (expert, error rate " + options.ErrorRate + ")", "program", "steps/s (median)", "range", "ratio to default");
            foreach (var (name, _) in programs)
            {
                table.Add(name, Stats.Num(Stats.Median(steps[name])), Stats.Range(steps[name]), (Stats.Median(steps[name]) / baseline).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
            }

            table.Note($"{Episodes} episodes per measurement, {options.Repetitions} interleaved repetitions in one process.");
            var rescoring = new ResultTable("Re-scoring recorded episodes (gym score's core) vs re-playing them, dense program", "method", "episodes/s (median)", "range", "ratio");
            rescoring.Add("re-play with the expert (EpisodeRunner)", Stats.Num(Stats.Median(replay)), Stats.Range(replay), "1.00");
            rescoring.Add("re-score from the record (EpisodeRescorer)", Stats.Num(Stats.Median(rescore)), Stats.Range(rescore), (Stats.Median(rescore) / Stats.Median(replay)).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
            rescoring.Note("Re-scoring replays the recorded actions with recorded tool results: no policy, no tool calls. The calculator is cheap, so this ratio is a floor; with real tools or models it grows.");
            return [table, rescoring];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Register(EnvironmentRegistry registry, string folder, string name, string rewards)
    {
        var path = Path.Combine(folder, name + ".yaml");
        File.WriteAllText(path, $"id: bench/{name}\n{Task}\n{rewards}\n");
        return ScenarioEnvironments.Load(path, registry).Spec.Id;
    }

    private async Task<(double Seconds, long Steps, List<EpisodeRecord> Records)> PlayAsync(EnvironmentRegistry registry, string id, int episodes)
    {
        var descriptor = registry.Get(id);
        var records = new List<EpisodeRecord>(episodes);
        var clock = Stopwatch.StartNew();
        long steps = 0;
        for (var i = 0; i < episodes; i++)
        {
            var expert = descriptor.CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));
            var record = await EpisodeRunner.RunAsync(registry.Make(id), expert, i, options.Seed + i).ConfigureAwait(false);
            steps += record.Turns.Count;
            records.Add(record);
        }

        return (clock.Elapsed.TotalSeconds, steps, records);
    }

    private static async Task<double> RescoreAsync(EnvironmentRegistry registry, string id, IReadOnlyList<EpisodeRecord> records)
    {
        var clock = Stopwatch.StartNew();
        foreach (var record in records)
        {
            await EpisodeRescorer.RescoreAsync((IReplayableEnvironment)registry.Make(id), record).ConfigureAwait(false);
        }

        return clock.Elapsed.TotalSeconds;
    }
}
