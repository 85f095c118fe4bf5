using System.CommandLine;
using System.Globalization;
using Gym.Cli.Commands;
using Gym.Core.Context;
using Gym.Core.Registry;
using Gym.Learning.Devices;
using Gym.Learning.Model;
using Gym.Learning.Training;
using Gym.Runtime.Policies;
using Gym.Runtime.Rollouts;
using Gym.Scenarios;
using TorchSharp;

namespace Gym.Cli.Training;

/// <summary>The task, model, sampling and output options <c>gym sft</c> and <c>gym train</c> share.</summary>
internal sealed class TrainingCommon
{
    private readonly Argument<string> _id = CommonOptions.EnvironmentId();
    private readonly Option<string[]> _parameters = CommonOptions.Parameters();
    private readonly Option<string> _out = new("--out", "-o") { Description = "The run folder: metrics.csv, TensorBoard events, learning-curve.png, checkpoints/step-N and final/ (a checkpoint: config.json, model.safetensors, gym-policy.json).", Required = true, HelpName = "runs/NAME" };
    private readonly Option<bool> _overwrite = new("--overwrite") { Description = "Write into --out even if it already holds files: an earlier run's outputs (metrics, events, curve, summary, eval/, checkpoints/) are removed first; other files are left alone." };
    private readonly Option<string?> _init = new("--init") { Description = "Start from this checkpoint folder (e.g. the final/ of gym sft, or a Hugging Face Qwen2/Llama folder with tokenizer.json) instead of a fresh model.", HelpName = "CHECKPOINT" };
    private readonly Option<string> _model = new("--model") { Description = "The fresh model's size when there is no --init: tiny (1M parameters, byte tokenizer, 1024 positions) or small-100m.", DefaultValueFactory = _ => "tiny", HelpName = PolicySetup.Presets };
    private readonly Option<string?> _tokenizer = new("--tokenizer") { Description = "A Hugging Face tokenizer.json for a fresh model or a checkpoint without one; default: the checkpoint's own, or the built-in byte tokenizer.", HelpName = "PATH" };
    private readonly Option<string> _device = new("--device") { Description = "Where the model runs: auto (CUDA when available, else CPU), cpu, or cuda (needs the CUDA build, see docs/learning.md).", DefaultValueFactory = _ => "auto", HelpName = "auto|cpu|cuda" };
    private readonly Option<long> _seed = new("--seed", "-s") { Description = "The run seed: model initialization, training tasks, sampling, and the held-out evaluation tasks (the same for gym sft and gym train with one seed).", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _evalTasks = new("--eval-tasks") { Description = "Held-out tasks per evaluation (0: no evaluation).", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _evalSamples = new("--eval-samples") { Description = "Sampled episodes per held-out task; the reported success rate is over all of them.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _maxNewTokens = new("--max-new-tokens") { Description = "Most tokens the policy writes per turn.", DefaultValueFactory = _ => 96 };
    private readonly Option<double> _temperature = new("--temperature") { Description = "Sampling temperature for rollouts and evaluation (RL trains the sampling policy; 0 is greedy).", DefaultValueFactory = _ => 1.0 };
    private readonly Option<double> _topP = new("--top-p") { Description = "Nucleus sampling threshold (1 keeps every token).", DefaultValueFactory = _ => 1.0 };
    private readonly Option<string?> _memory = new("--memory") { Description = "What the policy sees each turn (full, mem1, window:K, strip-think); default: the scenario's, else full. Training rebuilds exactly this context.", HelpName = "full|mem1|window:K|strip-think" };
    private readonly Option<int> _concurrency = new("--concurrency", "-c") { Description = "Most episodes live at once; the policy gateway batches their turns into one generation.", DefaultValueFactory = _ => 128 };
    private readonly Option<double> _learningRate;
    private readonly Option<string> _lrSchedule = new("--lr-schedule") { Description = "How the learning rate changes over the steps: constant, or cosine (half a cosine from --lr down to 0 at the last step); either after --warmup-steps.", DefaultValueFactory = _ => "constant", HelpName = "constant|cosine" };
    private readonly Option<int> _warmupSteps = new("--warmup-steps") { Description = "Steps of linear learning-rate warm-up from --lr/N to --lr (0: none); useful when --init starts from a checkpoint with fresh optimizer moments.", DefaultValueFactory = _ => 0, HelpName = "N" };
    private readonly Option<bool> _noProgress = new("--no-progress") { Description = "Do not draw the progress bar." };

    public TrainingCommon(double defaultLearningRate)
    {
        _learningRate = new Option<double>("--lr") { Description = "AdamW learning rate.", DefaultValueFactory = _ => defaultLearningRate };
    }

    public void AddTo(Command command)
    {
        command.Add(_id);
        foreach (var option in new Option[] { _parameters, _out, _overwrite, _init, _model, _tokenizer, _device, _seed, _evalTasks, _evalSamples, _maxNewTokens, _temperature, _topP, _memory, _concurrency, _learningRate, _lrSchedule, _warmupSteps, _noProgress })
        {
            command.Add(option);
        }
    }

    public TrainingTask ReadTask(ParseResult result)
    {
        var (registry, id, scenario) = CommonOptions.Resolve(result.GetValue(_id)!);
        try
        {
            var parameters = CommonOptions.ParseParameters(result.GetValue(_parameters)!);

            // Fail on bad parameters before a model is built or a file is written.
            registry.Make(id, new EnvironmentParameters(parameters)).Dispose();
            var memory = result.GetValue(_memory) is { } text ? MemorySpec.Parse(text) : scenario?.Memory ?? default;
            return new TrainingTask(registry, id, scenario, parameters, memory);
        }
        catch
        {
            scenario?.Dispose();
            throw;
        }
    }

    public TrainingSettings ReadSettings(ParseResult result)
    {
        var maxNewTokens = result.GetValue(_maxNewTokens);
        var temperature = result.GetValue(_temperature);
        var topP = result.GetValue(_topP);
        Require(maxNewTokens >= 1, "--max-new-tokens", maxNewTokens, "at least 1");
        Require(temperature >= 0 && double.IsFinite(temperature), "--temperature", temperature, "0 (greedy) or positive");
        Require(topP is > 0 and <= 1, "--top-p", topP, "in (0, 1]");
        var sampling = new SamplingOptions(maxNewTokens, temperature, topP, Seed: unchecked((ulong)result.GetValue(_seed)));
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException exception)
        {
            throw new CliUsageException($"--max-new-tokens/--temperature/--top-p: {exception.Message}");
        }

        var evalTasks = result.GetValue(_evalTasks);
        var evalSamples = result.GetValue(_evalSamples);
        Require(evalTasks >= 0, "--eval-tasks", evalTasks, "0 or more");
        Require(evalSamples >= 1, "--eval-samples", evalSamples, "at least 1");
        Require(result.GetValue(_concurrency) >= 1, "--concurrency", result.GetValue(_concurrency), "at least 1");
        var learningRate = result.GetValue(_learningRate);
        Require(learningRate > 0 && double.IsFinite(learningRate), "--lr", learningRate, "a positive number");
        var shape = result.GetValue(_lrSchedule) switch
        {
            "constant" => LearningRateShape.Constant,
            "cosine" => LearningRateShape.Cosine,
            var other => throw new CliUsageException($"--lr-schedule must be constant or cosine (got '{other}')"),
        };
        var warmupSteps = result.GetValue(_warmupSteps);
        Require(warmupSteps >= 0, "--warmup-steps", warmupSteps, "0 or more");

        var settings = new TrainingSettings(
            result.GetValue(_out)!,
            result.GetValue(_overwrite),
            result.GetValue(_init),
            result.GetValue(_model)!,
            result.GetValue(_tokenizer),
            SelectDevice(result.GetValue(_device)!),
            result.GetValue(_seed),
            evalTasks,
            evalSamples,
            sampling,
            result.GetValue(_concurrency),
            learningRate,
            shape,
            warmupSteps,
            !result.GetValue(_noProgress));

        // Refuse an occupied --out before anything is built, played or written.
        settings.CheckOutput();
        return settings;
    }

    public static void Require(bool ok, string option, int value, string rule)
    {
        if (!ok)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"{option} must be {rule} (got {value})"));
        }
    }

    public static void Require(bool ok, string option, double value, string rule)
    {
        if (!ok)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"{option} must be {rule} (got {value})"));
        }
    }

    /// <summary>
    /// The device of <c>--device</c>, checked before any file is written: an unknown spelling, or <c>cuda</c>
    /// on a build or machine without CUDA, is a usage error that names the option.
    /// </summary>
    public static torch.Device SelectDevice(string device)
    {
        try
        {
            DeviceSelector.Parse(device);
        }
        catch (ArgumentException)
        {
            throw new CliUsageException($"--device must be auto, cpu or cuda (got '{device}')");
        }

        try
        {
            return DeviceSelector.Select(device);
        }
        catch (InvalidOperationException exception)
        {
            throw new CliUsageException($"--device {device}: {exception.Message}");
        }
    }
}

/// <summary>What to train on; owns the scenario it loaded (dispose it when training ends).</summary>
internal sealed record TrainingTask(EnvironmentRegistry Registry, string EnvironmentId, BuiltScenario? Scenario, IReadOnlyDictionary<string, string> Parameters, MemorySpec Memory) : IDisposable
{
    /// <summary>Disposes the scenario (its reward program and judge), if one was loaded.</summary>
    public void Dispose() => Scenario?.Dispose();

    public ActorRolloutCollector Collector(RolloutRunner runner, int concurrency) => new(runner, EnvironmentId, Parameters, concurrency);

    /// <summary>The gateway for a TorchSharp policy: one generation at a time, so requests gather into large batches while it runs.</summary>
    public static PolicyGatewayOptions Gateway(int concurrency) => new(MaxBatchSize: concurrency, MaxConcurrentBatches: 1);
}

/// <summary>The shared settings, validated.</summary>
internal sealed record TrainingSettings(
    string Out,
    bool Overwrite,
    string? Init,
    string Preset,
    string? Tokenizer,
    torch.Device Device,
    long Seed,
    int EvalTasks,
    int EvalSamples,
    SamplingOptions Sampling,
    int Concurrency,
    double LearningRate,
    LearningRateShape LearningRateShape,
    int WarmupSteps,
    bool ShowProgress)
{
    /// <summary>AdamW at --lr with the --lr-schedule and --warmup-steps over a run of <paramref name="totalSteps"/> optimizer steps.</summary>
    public OptimizerOptions Optimizer(int totalSteps) =>
        new(LearningRate, LearningRateSchedule: new LearningRateSchedule(LearningRateShape, WarmupSteps, Math.Max(1, totalSteps)));

    /// <summary>The files a run writes at the top of its folder; <c>--overwrite</c> removes those of an earlier run.</summary>
    private static readonly string[] RunFiles = ["metrics.csv", "learning-curve.png", "summary.txt", "demonstrations.jsonl"];

    /// <summary>Refuses an --out that is a file, or a folder that already holds files, unless --overwrite.</summary>
    public void CheckOutput()
    {
        var folder = Path.GetFullPath(Out);
        if (File.Exists(folder))
        {
            throw new CliUsageException($"--out: '{Out}' is a file; give a folder for the run");
        }

        if (!Overwrite && Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new CliUsageException($"--out: '{Out}' already holds files; choose another folder or pass --overwrite");
        }
    }

    /// <summary>
    /// Creates the run folder, refusing to mix two runs in one unless asked to. With --overwrite an earlier
    /// run's outputs go first (metrics, events, curve, summary, demonstrations, eval/ and checkpoints/; final/ is
    /// rewritten at the end), so that nothing of it is taken for this run's; a checkpoint that --init loaded
    /// from inside the folder is kept.
    /// </summary>
    public string PrepareOutput()
    {
        CheckOutput();
        var folder = Path.GetFullPath(Out);
        try
        {
            if (Directory.Exists(folder))
            {
                foreach (var name in RunFiles)
                {
                    File.Delete(Path.Combine(folder, name));
                }

                foreach (var events in Directory.EnumerateFiles(folder, "events.out.tfevents.*"))
                {
                    File.Delete(events);
                }

                var eval = Path.Combine(folder, "eval");
                if (Directory.Exists(eval))
                {
                    foreach (var file in Directory.EnumerateFiles(eval, "step-*.jsonl"))
                    {
                        File.Delete(file);
                    }
                }

                var checkpoints = Path.Combine(folder, "checkpoints");
                if (Directory.Exists(checkpoints))
                {
                    foreach (var checkpoint in Directory.EnumerateDirectories(checkpoints, "step-*").Where(c => !HoldsInit(c)))
                    {
                        Directory.Delete(checkpoint, recursive: true);
                    }
                }
            }

            Directory.CreateDirectory(folder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--out: cannot prepare '{Out}': {exception.Message}");
        }

        return folder;
    }

    private bool HoldsInit(string directory) =>
        Init is not null
        && (Path.GetFullPath(Init) + Path.DirectorySeparatorChar).StartsWith(Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public HeldOutEvaluation? Evaluation(Gym.Core.Trajectories.IRolloutCollector collector, PolicySetup setup, MemorySpec memory) =>
        EvalTasks == 0 ? null : new HeldOutEvaluation(collector, setup, Sampling, Seed, EvalTasks, EvalSamples, memory);
}
