using System.CommandLine;
using System.Globalization;
using Gym.Cli.Training;
using Gym.Learning.Metrics;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Training;
using Gym.Runtime.Hosting;
using TorchSharp;

namespace Gym.Cli.Commands;

/// <summary><c>gym train</c>: online RL (GRPO, RLOO or PPO) of the TorchSharp policy through the actor runtime.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var common = new TrainingCommon(defaultLearningRate: 1e-4);
        var algo = new Option<string>("--algo") { Description = "grpo: group-relative advantages, clipped ratio, k3 KL to the starting weights; rloo: leave-one-out advantages, plain ratio; ppo: value head and turn-level GAE.", DefaultValueFactory = _ => "grpo", HelpName = "grpo|rloo|ppo" };
        var steps = new Option<int>("--steps") { Description = "Iterations: each plays --tasks tasks × --group-size attempts and takes --epochs optimizer steps on them.", DefaultValueFactory = _ => 50 };
        var groupSize = new Option<int>("--group-size", "-g") { Description = "Attempts per task (G); grpo and rloo compare the attempts of a task with each other.", DefaultValueFactory = _ => 8 };
        var tasks = new Option<int>("--tasks") { Description = "Tasks per iteration (B).", DefaultValueFactory = _ => 8 };
        var epochs = new Option<int>("--epochs") { Description = "Optimizer steps per batch of rollouts (PPO epochs); later ones are off-policy and clipped.", DefaultValueFactory = _ => 1 };
        var klBeta = new Option<double>("--kl-beta") { Description = "Weight of the k3 KL estimate to the starting weights (0 turns the reference model off).", DefaultValueFactory = _ => 0.04 };
        var clip = new Option<double>("--clip-eps") { Description = "PPO/GRPO ratio clipping ε.", DefaultValueFactory = _ => 0.2 };
        var microBatch = new Option<int>("--micro-batch") { Description = "Most sequences per forward pass in an update (bounds memory; gradients accumulate).", DefaultValueFactory = _ => 16 };
        var staleness = new Option<int>("--max-staleness") { Description = "How many versions behind the learner the weights playing a batch may be: 0 is on-policy; 1 plays the next batch while the learner trains.", DefaultValueFactory = _ => 0 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate on the held-out tasks every N steps (and before the first and after the last).", DefaultValueFactory = _ => 10 };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = "Save OUT/checkpoints/step-N every N steps; default: at every evaluation. final/ is always written." };
        var gamma = new Option<double>("--gamma") { Description = "PPO: discount per turn.", DefaultValueFactory = _ => 1.0 };
        var lambda = new Option<double>("--lambda") { Description = "PPO: GAE λ.", DefaultValueFactory = _ => 0.95 };

        var command = new Command("train", "Train the TorchSharp policy online with GRPO, RLOO or PPO: episode actors play batches through the policy gateway (batched generation on the model's device), the learner updates and publishes versioned weights. Writes metrics.csv, TensorBoard events, learning-curve.png, checkpoints and a summary to --out. Ctrl+C stops after saving final/.");
        common.AddTo(command);
        foreach (var option in new Option[] { algo, steps, groupSize, tasks, epochs, klBeta, clip, microBatch, staleness, evalEvery, checkpointEvery, gamma, lambda })
        {
            command.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            using var task = common.ReadTask(result);
            var settings = common.ReadSettings(result);
            var algorithm = result.GetValue(algo) switch
            {
                "grpo" => PolicyAlgorithm.Grpo,
                "rloo" => PolicyAlgorithm.Rloo,
                "ppo" => PolicyAlgorithm.Ppo,
                var other => throw new CliUsageException($"--algo must be grpo, rloo or ppo (got '{other}')"),
            };
            var stepCount = result.GetValue(steps);
            var every = result.GetValue(evalEvery);
            TrainingCommon.Require(stepCount >= 1, "--steps", stepCount, "at least 1");
            TrainingCommon.Require(every >= 1, "--eval-every", every, "at least 1");
            var checkpoints = result.GetValue(checkpointEvery) ?? every;
            TrainingCommon.Require(checkpoints >= 1, "--checkpoint-every", checkpoints, "at least 1");

            // Each option checked by name, with its value, before the trainer's own validation (which names fields).
            var group = result.GetValue(groupSize);
            var minimumGroup = algorithm == PolicyAlgorithm.Ppo ? 1 : 2;
            TrainingCommon.Require(group >= minimumGroup, "--group-size", group, algorithm == PolicyAlgorithm.Ppo ? "at least 1" : $"at least 2 for {result.GetValue(algo)} (its baseline is the other attempts at the same task)");
            TrainingCommon.Require(result.GetValue(tasks) >= 1, "--tasks", result.GetValue(tasks), "at least 1");
            TrainingCommon.Require(result.GetValue(epochs) >= 1, "--epochs", result.GetValue(epochs), "at least 1");
            TrainingCommon.Require(result.GetValue(microBatch) >= 1, "--micro-batch", result.GetValue(microBatch), "at least 1");
            TrainingCommon.Require(result.GetValue(staleness) >= 0, "--max-staleness", result.GetValue(staleness), "0 or more");
            TrainingCommon.Require(result.GetValue(clip) is > 0 and < 1, "--clip-eps", result.GetValue(clip), "in (0, 1)");
            TrainingCommon.Require(result.GetValue(klBeta) >= 0 && double.IsFinite(result.GetValue(klBeta)), "--kl-beta", result.GetValue(klBeta), "0 or positive");
            TrainingCommon.Require(result.GetValue(gamma) is > 0 and <= 1, "--gamma", result.GetValue(gamma), "in (0, 1]");
            TrainingCommon.Require(result.GetValue(lambda) is >= 0 and <= 1, "--lambda", result.GetValue(lambda), "in [0, 1]");
            var options = new OnlineTrainerOptions(
                group,
                result.GetValue(tasks),
                settings.Seed,
                task.Memory,
                new PolicyLossOptions(algorithm, result.GetValue(clip), result.GetValue(klBeta), algorithm == PolicyAlgorithm.Ppo ? new PpoOptions(result.GetValue(gamma), result.GetValue(lambda)) : null),
                settings.Optimizer(stepCount * result.GetValue(epochs)),
                result.GetValue(microBatch),
                result.GetValue(epochs),
                result.GetValue(staleness));
            try
            {
                options.Validate();
            }
            catch (ArgumentException exception)
            {
                throw new CliUsageException(exception.Message);
            }

            return await new TrainRun(task, settings, options, stepCount, every, checkpoints).RunAsync(cancellationToken);
        });
        return command;
    }
}

/// <summary>One <c>gym train</c> run: the model, the runtime, the trainer, and what it writes.</summary>
internal sealed class TrainRun(TrainingTask task, TrainingSettings settings, OnlineTrainerOptions options, int steps, int evalEvery, int checkpointEvery)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var algorithm = options.EffectiveLoss.Algorithm;

        // The model first: a bad --init is refused before the run folder is created or cleared.
        var setup = PolicySetup.Create(settings.Init, settings.Preset, settings.Tokenizer, settings.Device, valueHead: algorithm == PolicyAlgorithm.Ppo, unchecked((ulong)settings.Seed));
        using var model = setup.Model;
        var folder = settings.PrepareOutput();
        using var actingModel = new PolicyModel(model.Config);
        actingModel.to(setup.Device);
        var actor = new TorchPolicy(actingModel, setup.Tokenizer, settings.Sampling, setup.Name, format: setup.Format);

        await using var runtime = await GymRuntimeHost.StartAsync(task.Registry, options => options.Gateway = TrainingTask.Gateway(settings.Concurrency));
        var collector = task.Collector(runtime.Runner, settings.Concurrency);
        var evaluation = settings.Evaluation(collector, setup, task.Memory);
        using var metrics = new MetricsLog(folder);
        using var trainer = new OnlineTrainer(model, actor, collector, options);
        var report = new TrainReport(task.EnvironmentId, algorithm.ToString().ToLowerInvariant(), setup, options, steps);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancelled = false;
        await TrainingProgress.RunAsync($"train {algorithm.ToString().ToLowerInvariant()}", steps, settings.ShowProgress, async progress =>
        {
            try
            {
                // Inside the try: Ctrl+C during the first evaluation still saves final/ (the starting weights).
                if (evaluation is not null)
                {
                    var before = await evaluation.RunAsync(model, trainer.Version, RunFolder.EvalRollouts(folder, 0), cancellationToken);
                    report.AddEval(0, before);
                    metrics.Record(0, new Dictionary<string, double> { ["eval/success"] = before.SuccessRate, ["eval/reward"] = before.MeanReward });
                    progress.Report(0, Status(0, null, before), important: true);
                }

                await trainer.RunAsync(steps, async (iteration, token) =>
                {
                    var step = iteration.Iteration + 1;
                    var values = report.Add(iteration);
                    EvalResult? eval = null;
                    if (evaluation is not null && (step % evalEvery == 0 || step == steps))
                    {
                        eval = await evaluation.RunAsync(model, trainer.Version, RunFolder.EvalRollouts(folder, step), token);
                        report.AddEval(step, eval);
                        values["eval/success"] = eval.SuccessRate;
                        values["eval/reward"] = eval.MeanReward;
                    }

                    metrics.Record(step, values);
                    if (step % checkpointEvery == 0 && step != steps)
                    {
                        setup.Save(RunFolder.Checkpoint(folder, step), model);
                    }

                    progress.Report(step, Status(step, iteration, eval), important: eval is not null);
                }, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }

            return 0;
        });

        // Ctrl+C lands between updates, so the weights saved here are whole; the metrics file is flushed per step.
        setup.Save(RunFolder.Final(folder), model);
        var curve = metrics.SaveCurve("learning-curve.png", $"{task.EnvironmentId} · {algorithm.ToString().ToLowerInvariant()}", "success rate", (0, 1), "train/success", "eval/success");
        report.Write(folder, clock.Elapsed, curve, cancelled);
        return cancelled ? ExitCodes.Cancelled : ExitCodes.Success;

        string Status(int step, OnlineIteration? iteration, EvalResult? eval) => string.Create(
            CultureInfo.InvariantCulture,
            $"step {step}/{steps}{(iteration is null ? "" : $"  train success {iteration.SuccessRate:P0}  reward {iteration.MeanReward:0.000}")}{(eval is null ? "" : $"  eval success {eval.SuccessRate:P1}")}  v{trainer.Version}");
    }
}
