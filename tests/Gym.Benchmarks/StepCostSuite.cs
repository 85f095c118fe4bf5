using System.Diagnostics;
using System.Globalization;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Tools;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;

namespace Gym.Benchmarks;

/// <summary>
/// Where one environment step of <c>tool-use/arithmetic-v0</c> spends its time and bytes, played
/// directly on one thread (no actors): the episode loop of <see cref="EpisodeRunner"/> written out
/// with a <see cref="Stopwatch"/> timestamp and <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// around each phase, next to the untimed loop (with and without the rollout file's JSON line) and,
/// when python3 is on the PATH, the Python twin of the same environment (python/arithmetic_twin.py)
/// run as a child process in the same repetition.
/// </summary>
internal sealed class StepCostSuite(BenchOptions options)
{
    private const string EnvironmentId = ToolUseEnvironments.Arithmetic;

    private enum Phase
    {
        Reset,
        Context,
        Tokens,
        Policy,
        Step,
        Record,
        Json,
    }

    private static readonly string[] PhaseNames =
    [
        "reset: task generation, system prompt, reset info",
        "context: the view the policy sees (ContextPolicy.Build)",
        "token counting of the view (o200k)",
        "policy: scripted expert (PlanExpert.Act)",
        "environment step (parse, tools, scoring, rewards, info)",
        "recording (EpisodeRecorder: turns, record)",
        "JSON line (TrajectoryJson UTF-8 line, as the JSONL sink)",
    ];

    private static readonly string[] StepParts =
    [
        "  of which: action parsing (replayed)",
        "  of which: tool calls, argument validation + calculator (replayed)",
        "  of which: answer scoring (replayed)",
        "  of which: the rest (reward program, observation, info, result)",
    ];

    private sealed record Breakdown(long Steps, double CpuMicrosecondsPerStep, double[] Microseconds, double[] Bytes, double[] StepPartMicroseconds, double[] StepPartBytes);

    /// <summary>One run of the untimed loop: the steps it played and what they cost the process.</summary>
    internal sealed record LoopSample(long Steps, Cost Cost)
    {
        public double CpuMicrosecondsPerStep => Cost.CpuSeconds * 1e6 / Steps;

        public double BytesPerStep => Cost.AllocatedBytes / (double)Steps;

        public double StepsPerSecond => Steps / Cost.WallSeconds;
    }

    private sealed record PythonSample(long Steps, double CpuSeconds, double WallSeconds)
    {
        public double CpuMicrosecondsPerStep => CpuSeconds * 1e6 / Steps;
    }

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        var policy = registry.Get(EnvironmentId).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));
        var counter = TokenCounters.Default;
        var episodes = options.StepCostEpisodes;
        var python = options.Python ? PythonTwin.Find() : null;

        Progress.Line("step cost: warming up");
        await LoopAsync(registry, policy, counter, Math.Min(episodes, 1024), json: true).ConfigureAwait(false);
        await BreakdownAsync(registry, policy, counter, Math.Min(episodes, 1024)).ConfigureAwait(false);
        if (python is not null)
        {
            await python.RunAsync(256, options.Seed, options.ErrorRate).ConfigureAwait(false);
        }

        var plain = new List<LoopSample>();
        var withJson = new List<LoopSample>();
        var breakdowns = new List<Breakdown>();
        var twin = new List<PythonSample>();
        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            Stats.FullGc();
            plain.Add(await LoopAsync(registry, policy, counter, episodes, json: false).ConfigureAwait(false));
            Stats.FullGc();
            withJson.Add(await LoopAsync(registry, policy, counter, episodes, json: true).ConfigureAwait(false));
            Stats.FullGc();
            breakdowns.Add(await BreakdownAsync(registry, policy, counter, episodes).ConfigureAwait(false));
            if (python is not null)
            {
                var (twinSteps, twinCpu, twinWall) = await python.RunAsync(episodes, options.Seed, options.ErrorRate).ConfigureAwait(false);
                twin.Add(new PythonSample(twinSteps, twinCpu, twinWall));
            }

            Progress.Line($"step cost rep {rep}/{options.Repetitions}: loop {plain[^1].CpuMicrosecondsPerStep:0.00} CPU µs/step {plain[^1].BytesPerStep:0} B/step; with JSON {withJson[^1].CpuMicrosecondsPerStep:0.00} µs {withJson[^1].BytesPerStep:0} B"
                + (python is null ? string.Empty : $"; python twin {twin[^1].CpuMicrosecondsPerStep:0.00} CPU µs/step"));
        }

        var tables = new List<ResultTable> { BreakdownTable(breakdowns), LoopTable(plain, withJson) };
        if (python is not null)
        {
            tables.Add(PythonTable(withJson, twin));
        }

        return tables;
    }

    private ResultTable BreakdownTable(List<Breakdown> breakdowns)
    {
        var table = new ResultTable(
            $"Step cost breakdown: {EnvironmentId}, expert:{options.ErrorRate.ToString(CultureInfo.InvariantCulture)}, one thread, {Stats.Num(options.StepCostEpisodes)} episodes per rep (median of {options.Repetitions})",
            "phase", "wall µs / step", "share", "≈ CPU µs / step", "bytes / step", "share of bytes");
        var total = Stats.Median(breakdowns.Select(b => b.Microseconds.Sum()));
        var totalBytes = Stats.Median(breakdowns.Select(b => b.Bytes.Sum()));
        var cpu = Stats.Median(breakdowns.Select(b => b.CpuMicrosecondsPerStep));
        for (var p = 0; p < PhaseNames.Length; p++)
        {
            var us = Stats.Median(breakdowns.Select(b => b.Microseconds[p]));
            var bytes = Stats.Median(breakdowns.Select(b => b.Bytes[p]));
            table.Add(PhaseNames[p], Stats.Num(us, 2), $"{100 * us / total:0}%", Stats.Num(cpu * us / total, 2), Stats.Num(bytes), $"{100 * bytes / totalBytes:0}%");
            if (p == (int)Phase.Step)
            {
                for (var s = 0; s < StepParts.Length; s++)
                {
                    var partUs = Stats.Median(breakdowns.Select(b => s < 3 ? b.StepPartMicroseconds[s] : b.Microseconds[p] - b.StepPartMicroseconds.Take(3).Sum()));
                    var partBytes = Stats.Median(breakdowns.Select(b => s < 3 ? b.StepPartBytes[s] : b.Bytes[p] - b.StepPartBytes.Take(3).Sum()));
                    table.Add(StepParts[s], Stats.Num(partUs, 2), $"{100 * partUs / total:0}%", Stats.Num(cpu * partUs / total, 2), Stats.Num(partBytes), $"{100 * partBytes / totalBytes:0}%");
                }
            }
        }

        table.Add("total (timed phases)", Stats.Num(total, 2), "100%", Stats.Num(cpu, 2), Stats.Num(totalBytes), "100%");
        table.Note("wall µs per step inside each phase (Stopwatch), bytes from GC.GetAllocatedBytesForCurrentThread; the phases cover the whole loop, so their sum is the loop's cost plus about 0.1 µs of timestamps per phase.");
        table.Note("≈ CPU µs / step = the phase's share of the wall time × the breakdown loop's process CPU µs per step: on a loaded machine wall time mostly waits for a core, and that waiting falls on each phase in proportion to its length.");
        table.Note("the 'of which' rows replay the same actions outside the step (a parser, a Toolbox and the task over the same tools and seeds) and time those calls alone; the rest is the step's time minus them.");
        return table;
    }

    private static ResultTable LoopTable(List<LoopSample> plain, List<LoopSample> withJson)
    {
        var table = new ResultTable(
            "Direct loop on one thread: CPU µs and bytes per step (median of interleaved repetitions)",
            "loop", "steps / rep", "steps/s", "CPU µs / step", "range", "bytes / step", "target", "met");
        Add("EpisodeRunner.RunAsync loop (token counting on)", plain);
        Add("same + TrajectoryJson line per episode", withJson);
        table.Note("CPU µs / step = process CPU time (all threads, the GC's included) / steps; bytes = GC.GetTotalAllocatedBytes difference / steps.");
        return table;

        void Add(string name, List<LoopSample> samples)
        {
            var cpu = Stats.Median(samples.Select(s => s.CpuMicrosecondsPerStep));
            var bytes = Stats.Median(samples.Select(s => s.BytesPerStep));
            table.Add(
                name,
                Stats.Num(samples[0].Steps),
                Stats.Num(Stats.Median(samples.Select(s => s.StepsPerSecond))),
                Stats.Num(cpu, 2),
                Stats.Range(samples.Select(s => s.CpuMicrosecondsPerStep), 2),
                Stats.Num(bytes),
                "≤ 5 µs, ≤ 2,048 B",
                cpu <= 5 && bytes <= 2048 ? "yes" : "no");
        }
    }

    private static ResultTable PythonTable(List<LoopSample> withJson, List<PythonSample> twin)
    {
        var table = new ResultTable(
            "C# against the Python twin, same repetitions (per core: CPU µs per step)",
            "implementation", "CPU µs / step (median)", "range", "steps / s of CPU");
        var cs = Stats.Median(withJson.Select(s => s.CpuMicrosecondsPerStep));
        var py = Stats.Median(twin.Select(s => s.CpuMicrosecondsPerStep));
        table.Add("C#: EpisodeRunner loop + JSON line", Stats.Num(cs, 2), Stats.Range(withJson.Select(s => s.CpuMicrosecondsPerStep), 2), Stats.Num(1e6 / cs));
        table.Add("Python twin (CPython, standard library)", Stats.Num(py, 2), Stats.Range(twin.Select(s => s.CpuMicrosecondsPerStep), 2), Stats.Num(1e6 / py));
        var ratios = withJson.Zip(twin, (c, p) => p.CpuMicrosecondsPerStep / c.CpuMicrosecondsPerStep).ToList();
        table.Add("ratio C# / Python (per-core throughput, median of per-rep ratios)", $"{Stats.Median(ratios):0.0}×", $"{ratios.Min():0.0}–{ratios.Max():0.0}×", "goal ≥ 10×");
        table.Note("Python CPU time is the child's own time.process_time() around its loop (interpreter start-up excluded); C# CPU time is the process's, GC threads included.");
        table.Note("the twin counts no tokens (the standard library has no BPE tokenizer); the C# loop does.");
        return table;
    }

    private static async Task<LoopSample> LoopAsync(EnvironmentRegistry registry, IPolicy policy, ITokenCounter counter, int episodes, bool json)
    {
        using var environment = registry.Make(EnvironmentId);
        return await LoopAsync(environment, policy, counter, episodes, json).ConfigureAwait(false);
    }

    /// <summary>
    /// The <see cref="EpisodeRunner"/> loop
    /// over one environment for <paramref name="episodes"/> episodes, untimed inside; with <paramref name="json"/>, each
    /// episode is also serialized as its rollout line, as the JSONL sink does.
    /// </summary>
    internal static async Task<LoopSample> LoopAsync(IEnvironment environment, IPolicy policy, ITokenCounter counter, int episodes, bool json)
    {
        var meter = new Meter();
        long steps = 0, bytes = 0;
        for (var episode = 0; episode < episodes; episode++)
        {
            var record = await EpisodeRunner.RunAsync(environment, policy, episode, SeedOf(episode), ContextPolicy.Full, counter).ConfigureAwait(false);
            steps += record.Turns.Count;
            if (json)
            {
                bytes += TrajectoryJson.SerializeToUtf8Line(record).Length;
            }
        }

        var cost = meter.Stop();
        GC.KeepAlive(bytes);
        return new LoopSample(steps, cost);
    }

    private static async Task<Breakdown> BreakdownAsync(EnvironmentRegistry registry, IPolicy policy, ITokenCounter counter, int episodes)
    {
        using var environment = registry.Make(EnvironmentId);
        var meter = new Meter();
        var ticks = new long[PhaseNames.Length];
        var bytes = new long[PhaseNames.Length];
        var played = new List<(long Seed, List<AgentAction> Actions)>(episodes);
        var clock = Stopwatch.GetTimestamp();
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        void Mark(Phase phase)
        {
            var now = Stopwatch.GetTimestamp();
            var nowBytes = GC.GetAllocatedBytesForCurrentThread();
            ticks[(int)phase] += now - clock;
            bytes[(int)phase] += nowBytes - allocated;
            clock = now;
            allocated = nowBytes;
        }

        long steps = 0;
        for (var episode = 0; episode < episodes; episode++)
        {
            var seed = SeedOf(episode);
            Mark(Phase.Json);
            var recorder = new EpisodeRecorder(episode, environment.Id, seed, policy.Id, ContextPolicy.Full, counter);
            Mark(Phase.Record);
            var reset = await environment.ResetAsync(seed).ConfigureAwait(false);
            Mark(Phase.Reset);
            recorder.Reset(reset);
            var episodeId = episode.ToString(CultureInfo.InvariantCulture);
            var actions = new List<AgentAction>(8);
            Mark(Phase.Record);
            while (!recorder.IsDone)
            {
                var context = recorder.Context;
                Mark(Phase.Context);
                _ = recorder.ContextTokens;
                Mark(Phase.Tokens);
                var chosen = await policy.ActAsync([new PolicyRequest(episodeId, seed, recorder.TurnCount, context)], CancellationToken.None).ConfigureAwait(false);
                var action = chosen[0];
                Mark(Phase.Policy);
                var step = await environment.StepAsync(action).ConfigureAwait(false);
                Mark(Phase.Step);
                recorder.Step(action, step);
                Mark(Phase.Record);
                actions.Add(action);
            }

            var record = recorder.Complete();
            steps += record.Turns.Count;
            Mark(Phase.Record);
            GC.KeepAlive(TrajectoryJson.SerializeToUtf8Line(record));
            played.Add((seed, actions));
        }

        Mark(Phase.Json);
        var cost = meter.Stop();
        var (partTicks, partBytes) = await ReplayStepPartsAsync((ToolEnvironment)environment, played).ConfigureAwait(false);
        return new Breakdown(
            steps,
            cost.CpuSeconds * 1e6 / steps,
            [.. ticks.Select(t => Stats.TicksToMicroseconds(t) / steps)],
            [.. bytes.Select(b => b / (double)steps)],
            [.. partTicks.Select(t => Stats.TicksToMicroseconds(t) / steps)],
            [.. partBytes.Select(b => b / (double)steps)]);
    }

    // Parsing, tool calls and answer scoring run again, alone, on the actions the loop played, so
    // the step's time can be split without changing the environment.
    private static async Task<(long[] Ticks, long[] Bytes)> ReplayStepPartsAsync(ToolEnvironment environment, List<(long Seed, List<AgentAction> Actions)> played)
    {
        var ticks = new long[3];
        var bytes = new long[3];
        var source = (ITaskSource)environment;
        var settings = environment.Settings;
        foreach (var (seed, actions) in played)
        {
            var task = source.CreateTask(seed);
            var parser = ActionParsers.Create(settings.Format, task.Tools, settings.MaxToolCallsPerTurn);
            var toolbox = new Toolbox(task.Tools, settings.EffectiveToolTimeout);
            foreach (var action in actions)
            {
                var t0 = Stopwatch.GetTimestamp();
                var b0 = GC.GetAllocatedBytesForCurrentThread();
                var parsed = parser.Parse(action.Text ?? string.Empty);
                var t1 = Stopwatch.GetTimestamp();
                var b1 = GC.GetAllocatedBytesForCurrentThread();
                ticks[0] += t1 - t0;
                bytes[0] += b1 - b0;
                if (!parsed.IsValid)
                {
                    continue;
                }

                if (parsed.IsAnswer)
                {
                    _ = task.ScoreAnswer(parsed.Answer!);
                    ticks[2] += Stopwatch.GetTimestamp() - t1;
                    bytes[2] += GC.GetAllocatedBytesForCurrentThread() - b1;
                    continue;
                }

                foreach (var call in parsed.ToolCalls)
                {
                    _ = await toolbox.InvokeAsync(call, CancellationToken.None).ConfigureAwait(false);
                }

                ticks[1] += Stopwatch.GetTimestamp() - t1;
                bytes[1] += GC.GetAllocatedBytesForCurrentThread() - b1;
            }
        }

        return (ticks, bytes);
    }

    private static long SeedOf(long episode) => 1_000_003 + (episode * 7919);
}
