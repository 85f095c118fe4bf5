using System.Diagnostics;
using FluentAssertions;
using Xunit;
using static Gym.Cli.Tests.CliAssertions;
using static Gym.Cli.Tests.TrainingRuns;

namespace Gym.Cli.Tests;

/// <summary><c>gym train</c> end to end on the tiny model: the run folder, determinism, bad input, Ctrl+C and help.</summary>
public sealed class TrainCommandTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static TheoryData<string, string, string, string[]> BadOptions => new()
    {
        { "train", "--algo", "bogus", ["--algo must be grpo, rloo or ppo (got 'bogus')"] },
        { "train", "--group-size", "1", ["--group-size must be at least 2 for grpo", "(got 1)"] },
        { "train", "--lr", "-1", ["--lr must be a positive number (got -1)"] },
        { "train", "--lr-schedule", "linear", ["--lr-schedule must be constant or cosine (got 'linear')"] },
        { "sft", "--warmup-steps", "-5", ["--warmup-steps must be 0 or more (got -5)"] },
        { "train", "--temperature", "-1", ["--temperature must be 0 (greedy) or positive (got -1)"] },
        { "train", "--steps", "0", ["--steps must be at least 1 (got 0)"] },
        { "train", "--clip-eps", "1", ["--clip-eps must be in (0, 1) (got 1)"] },
        { "train", "--max-staleness", "-1", ["--max-staleness must be 0 or more (got -1)"] },
        { "train", "--init", "missing", ["--init: checkpoint folder 'missing' does not exist"] },
        { "train", "--device", "tpu", ["--device must be auto, cpu or cuda (got 'tpu')"] },
        { "train", "--model", "huge", ["--model must be one of tiny|small-100m (got 'huge')"] },
        { "sft", "--batch-size", "0", ["--batch-size must be at least 1 (got 0)"] },
        { "sft", "--expert-error", "2", ["--expert-error must be between 0 and 1 (got 2)"] },
        { "sft", "--rollouts", "missing.jsonl", ["--rollouts: 'missing.jsonl' does not exist"] },
    };

    [Fact]
    public async Task Train_writes_metrics_events_the_curve_a_summary_the_final_checkpoint_and_held_out_episodes()
    {
        using var dir = new TempDirectory();

        var result = await RunAsync(dir.Path, ["train", Scenario, "--out", "run", .. Train]);

        result.ExitCode.Should().Be(0, result.Because);
        var run = dir.File("run");

        // metrics.csv: the evaluation before training at step 0, every step's training figures, the last evaluation.
        var metrics = ReadMetrics(run);
        var byStep = MetricsByStep(metrics);
        byStep.Keys.Should().BeEquivalentTo([0, 1, 2], result.Because);
        byStep[0].Should().Contain(["eval/success", "eval/reward"]);
        foreach (var step in new[] { 1, 2 })
        {
            byStep[step].Should().Contain(["train/success", "train/reward", "time/generation_s", "time/environment_s", "time/update_s", "policy/version", "policy/staleness"], "step {0} logs its figures", step);
        }

        byStep[1].Should().NotContain("eval/success", "evaluation runs every --eval-every (10) steps and after the last");
        byStep[2].Should().Contain("eval/success");
        var version = (int)metrics.Single(r => r.Step == 2 && r.Metric == "policy/version").Value;
        version.Should().BeInRange(0, 2, "at most one update per step");

        Directory.GetFiles(run, "events.out.tfevents.*").Should().ContainSingle("one TensorBoard event file")
            .Which.Should().Match(path => new FileInfo(path).Length > 0);
        File.ReadAllBytes(Path.Combine(run, "learning-curve.png")).Take(8).Should().Equal(PngSignature);
        File.ReadAllText(Path.Combine(run, "summary.txt")).Should().Contain("held-out success").And.Contain("time in generation / environment / update");
        AssertCheckpoint(Path.Combine(run, "final"));
        File.ReadAllText(Path.Combine(run, "final", "gym-policy.json")).Should().Contain("\"tiny\"").And.Contain("\"bytes\"");

        // The held-out episodes before and after training: the same tasks, played by v0 and by the final version.
        Directory.GetFiles(Path.Combine(run, "eval")).Select(Path.GetFileName).Should().BeEquivalentTo(["step-000000.jsonl", "step-000002.jsonl"]);
        var before = RolloutFile.Read(Path.Combine(run, "eval", "step-000000.jsonl"));
        var after = RolloutFile.Read(Path.Combine(run, "eval", "step-000002.jsonl"));
        before.Should().HaveCount(2, "--eval-tasks 2 × --eval-samples 1").And.OnlyContain(e => e.PolicyId == "torch:tiny@v0");
        after.Should().HaveCount(2).And.OnlyContain(e => e.PolicyId == $"torch:tiny@v{version}");
        after.Select(e => e.Seed).Should().Equal(before.Select(e => e.Seed), "every evaluation plays the same held-out tasks");

        result.Stdout.Should().Contain("gym train").And.Contain("tool-use/tiny-arith").And.Contain("grpo")
            .And.Contain("held-out success").And.Contain("time in generation / environment /").And.Contain("learning curve");
        result.Stderr.Should().Contain("step 2/2", "redirected output gets plain progress lines").And.NotContain("error");
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task The_same_seed_gives_identical_held_out_episodes_weights_and_metrics()
    {
        using var dir = new TempDirectory();
        // PPO updates every step; --concurrency 1 plays one request per generation, so batch shapes (and float
        // rounding) do not depend on timing (docs/learning.md, "gym sft and gym train").
        string[] args = ["train", Scenario, "--algo", "ppo", "--seed", "7", .. With(With(With(With(Train, "--concurrency", "1"), "--steps", "1"), "--tasks", "1"), "--eval-tasks", "1")];

        var results = await Task.WhenAll(RunAsync(dir.Path, [.. args, "--out", "a"]), RunAsync(dir.Path, [.. args, "--out", "b"]));

        results.Should().OnlyContain(r => r.ExitCode == 0, string.Join("\n", results.Select(r => r.Because)));
        var a = dir.File("a");
        var b = dir.File("b");
        var evalFiles = Directory.GetFiles(Path.Combine(a, "eval")).Select(Path.GetFileName).Order().ToList();
        evalFiles.Should().Equal("step-000000.jsonl", "step-000001.jsonl");
        Directory.GetFiles(Path.Combine(b, "eval")).Select(Path.GetFileName).Order().Should().Equal(evalFiles);
        foreach (var file in evalFiles)
        {
            File.ReadAllBytes(Path.Combine(b, "eval", file!)).Should().Equal(File.ReadAllBytes(Path.Combine(a, "eval", file!)), $"eval/{file} is the same for the same seed");
        }

        File.ReadAllBytes(Path.Combine(b, "final", "model.safetensors")).Should().Equal(File.ReadAllBytes(Path.Combine(a, "final", "model.safetensors")));
        static List<string> Figures(string run) => [.. ReadMetrics(run)
            .Where(r => !r.Metric.StartsWith("time/", StringComparison.Ordinal) && !r.Metric.StartsWith("tokens/", StringComparison.Ordinal))
            .Select(r => $"{r.Step},{r.Metric},{r.Value:R}")];
        var figures = Figures(a);
        figures.Should().Contain("1,policy/version,1", "PPO updates at every step");
        Figures(b).Should().Equal(figures);
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Bad_options_exit_2_with_one_line_naming_the_option_and_create_nothing(string command, string option, string value, string[] expected)
    {
        using var dir = new TempDirectory();
        var tiny = command == "train" ? Train : Sft;

        var result = await RunAsync(dir.Path, [command, Scenario, "--out", "run", .. With(tiny, option, value)]);

        AssertUsageError(result, expected);
        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("a rejected run creates no run folder");
    }

    [Fact]
    public async Task Init_from_a_folder_without_config_json_or_with_truncated_weights_exits_2_with_one_line()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("not-a-checkpoint"));
        File.WriteAllText(dir.File("not-a-checkpoint/notes.txt"), "no checkpoint here");
        var corrupt = dir.File("corrupt");
        Directory.CreateDirectory(corrupt);
        var checkpoint = await SftCheckpointAsync();
        foreach (var file in Directory.GetFiles(checkpoint))
        {
            File.Copy(file, Path.Combine(corrupt, Path.GetFileName(file)));
        }

        using (var weights = File.OpenWrite(Path.Combine(corrupt, "model.safetensors")))
        {
            weights.SetLength(1000);
        }

        var noConfig = await RunAsync(dir.Path, ["train", Scenario, "--out", "run", "--init", "not-a-checkpoint", .. Train]);
        var truncated = await RunAsync(dir.Path, ["train", Scenario, "--out", "run", "--init", "corrupt", .. Train]);

        AssertUsageError(noConfig, "--init: 'not-a-checkpoint' is not a checkpoint: it has no config.json");
        AssertUsageError(truncated, "--init: cannot load the weights of checkpoint 'corrupt'", "model.safetensors' is not a safetensors file");
        Directory.Exists(dir.File("run")).Should().BeFalse("a rejected run creates no run folder");
    }

    [Fact]
    public async Task Device_cuda_on_the_cpu_backend_exits_2_with_one_line_that_says_how_to_get_cuda()
    {
        if (TorchBackend != "cpu")
        {
            // A CUDA build may have a GPU: then --device cuda is valid.
            return;
        }

        using var dir = new TempDirectory();

        var result = await RunAsync(dir.Path, ["train", Scenario, "--out", "run", "--device", "cuda", .. Train]);

        AssertUsageError(result, "--device cuda:", "torch.cuda.is_available() is false", "-p:GymTorchBackend=cuda");
        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Ctrl_C_stops_training_with_exit_130_a_loadable_final_checkpoint_and_valid_metrics_and_overwrite_replaces_the_run()
    {
        if (SignalTests.InheritsIgnoredSigint())
        {
            // gym inherits SIGINT as ignored here (a background job of a non-interactive shell): nothing to test.
            return;
        }

        using var dir = new TempDirectory();
        var run = dir.File("run");
        using (var gym = GymProcess.Start(dir.Path, ["train", Scenario, "--out", "run", .. With(Train, "--steps", "500")]))
        {
            await WaitForStepAsync(gym, Path.Combine(run, "metrics.csv"));
            gym.Interrupt();
            var result = await gym.WaitAsync(TrainingTimeout);

            result.ExitCode.Should().Be(130, result.Because);
            result.Stderr.Should().Contain("SIGINT: stopping", result.Because);
            AssertNoStackTrace(result);
            result.Stdout.Should().Contain("stopped early", result.Because);
            File.ReadAllText(Path.Combine(run, "summary.txt")).Should().Contain("(stopped)");
            AssertCheckpoint(Path.Combine(run, "final"));
            var metrics = ReadMetrics(run);
            metrics.Max(r => r.Step).Should().BeInRange(1, 499, "the run stopped after a step and before the last");
            File.ReadAllBytes(Path.Combine(run, "learning-curve.png")).Take(8).Should().Equal(PngSignature);
        }

        // The stopped run's folder is occupied: refused without --overwrite. With it, a run from the saved final/
        // replaces the stopped run's outputs (its evaluations included) and leaves other files alone.
        File.WriteAllText(Path.Combine(run, "notes.txt"), "mine");
        string[] again = ["train", Scenario, "--out", "run", "--init", Path.Combine("run", "final"), .. With(With(Train, "--steps", "1"), "--eval-tasks", "1")];
        var refused = await RunAsync(dir.Path, again);
        var resumed = await RunAsync(dir.Path, [.. again, "--overwrite"]);

        AssertUsageError(refused, "--out: 'run' already holds files", "--overwrite");
        resumed.ExitCode.Should().Be(0, resumed.Because);
        Directory.GetFiles(Path.Combine(run, "eval")).Select(Path.GetFileName).Should().BeEquivalentTo(["step-000000.jsonl", "step-000001.jsonl"], "the stopped run's evaluations are removed");
        ReadMetrics(run).Max(r => r.Step).Should().Be(1);
        var checkpoints = Path.Combine(run, "checkpoints");
        (Directory.Exists(checkpoints) ? Directory.GetDirectories(checkpoints) : []).Should().BeEmpty("the stopped run's checkpoints are removed and one step saves none");
        File.ReadAllText(Path.Combine(run, "notes.txt")).Should().Be("mine", "files that are not a run's are left alone");
        AssertCheckpoint(Path.Combine(run, "final"));
    }

    [Fact]
    public async Task Train_and_sft_help_mention_every_option()
    {
        using var dir = new TempDirectory();
        string[] common =
        [
            "<env-id|scenario.yaml>", "--param", "--out", "--overwrite", "--init", "--model", "tiny|small-100m", "--tokenizer", "--device", "auto|cpu|cuda",
            "--seed", "--eval-tasks", "--eval-samples", "--max-new-tokens", "--temperature", "--top-p", "--memory", "--concurrency", "--lr", "--lr-schedule", "constant|cosine", "--warmup-steps", "--no-progress",
        ];

        var root = await GymProcess.RunAsync(dir.Path, "--help");
        var train = await GymProcess.RunAsync(dir.Path, "train", "--help");
        var sft = await GymProcess.RunAsync(dir.Path, "sft", "--help");

        root.ExitCode.Should().Be(0, root.Because);
        root.Stdout.Should().Contain("train").And.Contain("sft");
        train.ExitCode.Should().Be(0, train.Because);
        foreach (var option in common.Concat(["--algo", "grpo|rloo|ppo", "--steps", "--group-size", "--tasks", "--epochs", "--kl-beta", "--clip-eps", "--micro-batch", "--max-staleness", "--eval-every", "--checkpoint-every", "--gamma", "--lambda"]))
        {
            train.Stdout.Should().Contain(option, train.Because);
        }

        sft.ExitCode.Should().Be(0, sft.Because);
        foreach (var option in common.Concat(["--rollouts", "--successful-only", "--expert-error", "--episodes", "--steps", "--batch-size", "--eval-every"]))
        {
            sft.Stdout.Should().Contain(option, sft.Because);
        }

        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("help runs nothing");
    }

    // Waits until metrics.csv holds a training step (so the learner has run at least once).
    private static async Task WaitForStepAsync(GymProcess gym, string metrics)
    {
        var clock = Stopwatch.StartNew();
        while (!HasStep(metrics))
        {
            if (gym.HasExited)
            {
                await gym.FailAsync($"gym ended before logging step 1 to {metrics}");
            }

            if (clock.Elapsed > TrainingTimeout)
            {
                await gym.FailAsync($"no step reached {metrics} within {TrainingTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(100);
        }

        static bool HasStep(string path)
        {
            if (!File.Exists(path))
            {
                return false;
            }

            // gym has the file open for writing.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n').Any(line => line.StartsWith("1,", StringComparison.Ordinal));
        }
    }
}
