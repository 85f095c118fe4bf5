using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Gym.Cli.Training;
using Gym.Core.Trajectories;
using Gym.Learning.Metrics;
using Gym.Learning.Training;
using Gym.Runtime.Hosting;
using Gym.Runtime.Rollouts;

namespace Gym.Cli.Commands;

/// <summary><c>gym sft</c>: supervised warm start of the TorchSharp policy from expert rollouts or a rollout file.</summary>
internal static class SftCommand
{
    public static Command Create()
    {
        var common = new TrainingCommon(defaultLearningRate: 1e-3);
        var rollouts = new Option<string?>("--rollouts") { Description = "Train on the episodes of this rollout file (gym run output) instead of collecting expert demonstrations.", HelpName = "FILE" };
        var successfulOnly = new Option<bool>("--successful-only") { Description = "Rejection-sampling fine-tuning: keep only the successful episodes." };
        var expertError = new Option<double>("--expert-error") { Description = "Without --rollouts: the expert's mistake rate per turn (0-1) while collecting demonstrations.", DefaultValueFactory = _ => 0.0 };
        var episodes = new Option<int>("--episodes", "-n") { Description = "Without --rollouts: how many expert episodes to collect (seeds disjoint from the held-out tasks).", DefaultValueFactory = _ => 500 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 300 };
        var batchSize = new Option<int>("--batch-size") { Description = "Turns per optimizer step (each turn is one sequence: its context, then the target action).", DefaultValueFactory = _ => 16 };
        var evalEvery = new Option<int?>("--eval-every") { Description = "Evaluate on the held-out tasks every N steps; default: only after the last." };
        var quick = new Option<bool>("--quick") { Description = string.Create(CultureInfo.InvariantCulture, $"A short demonstration run (under a minute on a laptop CPU): unless given, --episodes {Quick.Episodes}, --steps {Quick.Steps}, --eval-tasks {Quick.EvalTasks}, --eval-samples {Quick.EvalSamples}. The defaults take minutes on a CPU, most of it the held-out evaluation.") };

        var command = new Command("sft", "Supervised fine-tuning (warm start) of the TorchSharp policy: token cross-entropy on the actions of expert demonstrations (collected through the actor runtime, or read from --rollouts), with the exact contexts the expert saw. Evaluates on the held-out tasks gym train uses with the same --seed and saves OUT/final.");
        common.AddTo(command);
        foreach (var option in new Option[] { rollouts, successfulOnly, expertError, episodes, steps, batchSize, evalEvery, quick })
        {
            command.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            using var task = common.ReadTask(result);
            var settings = common.ReadSettings(result);
            var stepCount = result.GetValue(steps);
            var episodeCount = result.GetValue(episodes);
            if (result.GetValue(quick))
            {
                // --quick fills in only what the user left at its default.
                stepCount = Given(result, "--steps") ? stepCount : Quick.Steps;
                episodeCount = Given(result, "--episodes") ? episodeCount : Quick.Episodes;
                settings = settings with
                {
                    EvalTasks = Given(result, "--eval-tasks") ? settings.EvalTasks : Quick.EvalTasks,
                    EvalSamples = Given(result, "--eval-samples") ? settings.EvalSamples : Quick.EvalSamples,
                };
            }

            var batch = result.GetValue(batchSize);
            TrainingCommon.Require(stepCount >= 1, "--steps", stepCount, "at least 1");
            TrainingCommon.Require(batch >= 1, "--batch-size", batch, "at least 1");
            TrainingCommon.Require(episodeCount >= 1, "--episodes", episodeCount, "at least 1");
            var every = result.GetValue(evalEvery) ?? stepCount;
            TrainingCommon.Require(every >= 1, "--eval-every", every, "at least 1");
            var rate = result.GetValue(expertError);
            if (rate is < 0 or > 1 || double.IsNaN(rate))
            {
                throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"--expert-error must be between 0 and 1 (got {rate})"));
            }

            var source = result.GetValue(rollouts);
            if (source is not null && !File.Exists(source))
            {
                throw new CliUsageException($"--rollouts: '{source}' does not exist");
            }

            var run = new SftRun(task, settings, source, result.GetValue(successfulOnly), rate, episodeCount, stepCount, batch, every);
            return await run.RunAsync(cancellationToken);
        });
        return command;
    }

    /// <summary>The settings <c>--quick</c> fills in: enough to see the loss fall and the run folder appear.</summary>
    internal static class Quick
    {
        public const int Episodes = 64;
        public const int Steps = 30;
        public const int EvalTasks = 8;
        public const int EvalSamples = 1;
    }

    private static bool Given(ParseResult result, string name) =>
        result.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().Any(o => o.Option.Name == name && !o.Implicit);
}

/// <summary>One <c>gym sft</c> run.</summary>
internal sealed class SftRun(TrainingTask task, TrainingSettings settings, string? rolloutFile, bool successfulOnly, double expertError, int episodes, int steps, int batchSize, int evalEvery)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();

        // A rollout file without anything to train on, and a bad --init, are refused before the run folder
        // is created or cleared.
        var fromFile = rolloutFile is null ? null : JsonlTrajectoryReader.Read(rolloutFile).ToList();
        if (fromFile is not null)
        {
            Keep(fromFile, rolloutFile!);
        }

        var setup = PolicySetup.Create(settings.Init, settings.Preset, settings.Tokenizer, settings.Device, valueHead: false, unchecked((ulong)settings.Seed));
        using var model = setup.Model;
        var folder = settings.PrepareOutput();
        await using var runtime = await GymRuntimeHost.StartAsync(task.Registry, options => options.Gateway = TrainingTask.Gateway(settings.Concurrency));
        var (demonstrations, origin) = fromFile is not null
            ? (fromFile, rolloutFile!)
            : (await CollectAsync(runtime.Runner, folder, cancellationToken), $"expert:{expertError.ToString(CultureInfo.InvariantCulture)} ({episodes} episodes, written to demonstrations.jsonl)");
        var kept = Keep(demonstrations, origin);
        var template = new Gym.Learning.Policy.ChatTemplate(setup.Tokenizer, setup.Format);
        IReadOnlyList<TrainingSample> samples;
        try
        {
            samples = new SftSampleBuilder(template).Build(kept);
        }
        catch (InvalidDataException exception)
        {
            throw new CliUsageException($"{origin}: {exception.Message}");
        }

        // A turn longer than the model's window cannot be trained on whole; leave it out and say so.
        var fitting = samples.Where(s => s.Length <= model.Config.MaxPositions).ToList();
        var leftOut = samples.Count - fitting.Count;
        if (fitting.Count == 0)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"{origin}: every turn is longer than the model's {model.Config.MaxPositions} positions; shorten the task's prompt (system_prompt in the scenario), bound the context with --memory, or use a model with more positions"));
        }

        samples = fitting;
        var collector = task.Collector(runtime.Runner, settings.Concurrency);
        var evaluation = settings.Evaluation(collector, setup, task.Memory);
        using var metrics = new MetricsLog(folder);
        using var optimizer = new PolicyOptimizer(model, settings.Optimizer(steps));
        var random = new Random(unchecked((int)settings.Seed));
        var order = Enumerable.Range(0, samples.Count).ToArray();
        var cursor = order.Length;
        var lastLoss = double.NaN;
        EvalResult? lastEval = null;
        var cancelled = false;
        var stepClock = new Stopwatch(); // optimizer steps only: an evaluation among the first steps must not inflate the estimate
        await TrainingProgress.RunAsync("sft", steps, settings.ShowProgress, async progress =>
        {
            try
            {
                for (var step = 1; step <= steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var chunk = new TrainingSample[Math.Min(batchSize, samples.Count)];
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        if (cursor == order.Length)
                        {
                            // A fresh seeded shuffle every epoch.
                            random.Shuffle(order);
                            cursor = 0;
                        }

                        chunk[i] = samples[order[cursor++]];
                    }

                    model.train();
                    stepClock.Start();
                    using (var batch = TrainingBatch.Collate(chunk, model.Device))
                    {
                        lastLoss = SftStep.Run(model, optimizer, batch);
                    }

                    stepClock.Stop();

                    var values = new Dictionary<string, double>(StringComparer.Ordinal) { ["sft/loss"] = lastLoss, ["sft/lr"] = optimizer.LearningRate };
                    if (evaluation is not null && step % evalEvery == 0)
                    {
                        lastEval = await evaluation.RunAsync(model, 0, RunFolder.EvalRollouts(folder, step), cancellationToken);
                        values["eval/success"] = lastEval.SuccessRate;
                        values["eval/reward"] = lastEval.MeanReward;
                        if (step != steps)
                        {
                            setup.Save(RunFolder.Checkpoint(folder, step), model);
                        }
                    }

                    metrics.Record(step, values);
                    progress.Report(step, string.Create(CultureInfo.InvariantCulture, $"step {step}/{steps}  loss {lastLoss:0.000}{(lastEval is null ? "" : $"  eval success {lastEval.SuccessRate:P1}")}"), important: values.ContainsKey("eval/success"));

                    if (step == EstimateAfter && steps > EstimateAfter)
                    {
                        progress.Note(Estimate(stepClock.Elapsed, step, evaluation));
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }

            return 0;
        });

        setup.Save(RunFolder.Final(folder), model);
        var curve = metrics.SaveCurve("learning-curve.png", $"{task.EnvironmentId} · sft", "loss", "sft/loss");
        var rows = new List<(string Name, string Value)>
        {
            ("demonstrations", string.Create(CultureInfo.InvariantCulture, $"{origin}: {kept.Count} of {demonstrations.Count} episodes kept, {demonstrations.Count(e => e.Success)} successful")),
            ("training turns · target tokens", string.Create(CultureInfo.InvariantCulture, $"{samples.Count} · {samples.Sum(s => s.ActionLength):N0}{(leftOut > 0 ? $" ({leftOut} turns longer than {model.Config.MaxPositions} positions left out)" : "")}")),
            ("model", setup.Description),
            ("final loss", lastLoss.ToString("0.000", CultureInfo.InvariantCulture)),
            ("held-out success", lastEval is null ? "not evaluated" : string.Create(CultureInfo.InvariantCulture, $"{lastEval.SuccessRate:P1} ({evaluation!.Tasks} tasks × {evaluation.Samples})")),
            ("wall time", string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:0.0} s")),
            ("checkpoint", RunFolder.Final(folder)),
            ("learning curve", curve),
        };
        RunFolder.WriteSummary(folder, "sft", task.EnvironmentId, cancelled, rows);
        return cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }

    /// <summary>After how many optimizer steps the time estimate is printed (the first step also warms up TorchSharp).</summary>
    private const int EstimateAfter = 3;

    /// <summary>The time the remaining steps will take at the pace so far, and what evaluation comes on top.</summary>
    private string Estimate(TimeSpan elapsed, int done, HeldOutEvaluation? evaluation)
    {
        var perStep = elapsed.TotalSeconds / done;
        var evaluations = evaluation is null ? 0 : (steps / evalEvery) - (done / evalEvery);
        var evalText = evaluation is null
            ? "no held-out evaluation"
            : string.Create(CultureInfo.InvariantCulture, $"plus {evaluations} held-out evaluation{(evaluations == 1 ? "" : "s")} of {evaluation.Tasks} tasks × {evaluation.Samples} episodes (fewer with --eval-tasks or --quick)");
        return string.Create(CultureInfo.InvariantCulture, $"estimate: {perStep:0.00} s per step, about {Duration(perStep * (steps - done))} for the remaining {steps - done} steps, {evalText}");
    }

    private static string Duration(double seconds) =>
        seconds < 90 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s") : string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.0} min");

    /// <summary>The episodes to train on (the successful ones with --successful-only); none is a usage error.</summary>
    private List<EpisodeRecord> Keep(List<EpisodeRecord> demonstrations, string origin)
    {
        var kept = successfulOnly ? RejectionSampling.Filter(demonstrations).ToList() : demonstrations;
        if (kept.Count == 0)
        {
            throw new CliUsageException(successfulOnly ? $"{origin}: no successful episode to train on (--successful-only)" : $"{origin}: no episode to train on");
        }

        return kept;
    }

    private async Task<List<EpisodeRecord>> CollectAsync(RolloutRunner runner, string folder, CancellationToken cancellationToken)
    {
        var descriptor = task.Registry.Get(task.EnvironmentId);
        var expert = PolicyFactory.Create(string.Create(CultureInfo.InvariantCulture, $"expert:{expertError}"), descriptor, task.Parameters, settings.Seed);
        var plan = new RolloutPlan(task.EnvironmentId, task.Parameters, episodes, Math.Min(settings.Concurrency, episodes), TrainingSeeds.Demonstrations(settings.Seed), Memory: task.Memory);
        var path = Path.Combine(folder, "demonstrations.jsonl");
        await using (var sink = JsonlTrajectorySink.Create(path))
        {
            var result = await runner.RunAsync(plan, expert, sink, progress: null, cancellationToken);
            if (result.WasCancelled)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return [.. JsonlTrajectoryReader.Read(path)];
    }
}
