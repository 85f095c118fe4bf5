using FluentAssertions;
using Xunit;
using static Gym.Cli.Tests.CliAssertions;
using static Gym.Cli.Tests.TrainingRuns;

namespace Gym.Cli.Tests;

/// <summary><c>gym sft</c> end to end: expert demonstrations or a rollout file, and RL from its checkpoint.</summary>
public sealed class SftCommandTests
{
    [Fact]
    public async Task Sft_writes_a_checkpoint_that_grpo_and_ppo_train_from()
    {
        var (sft, sftResult) = await SharedSftRun();

        sftResult.ExitCode.Should().Be(0, sftResult.Because);
        sftResult.Stdout.Should().Contain("gym sft").And.Contain("demonstrations").And.Contain("final loss").And.Contain("held-out success");
        AssertNoStackTrace(sftResult);
        RolloutFile.Read(Path.Combine(sft, "demonstrations.jsonl")).Should().HaveCount(6).And.OnlyContain(e => e.Success, "the expert without mistakes solves every task");
        var byStep = MetricsByStep(ReadMetrics(sft));
        byStep.Keys.Should().BeEquivalentTo([1, 2]);
        byStep[1].Should().Contain("sft/loss").And.NotContain("eval/success");
        byStep[2].Should().Contain(["sft/loss", "sft/lr", "eval/success", "eval/reward"]);
        var rates = ReadMetrics(sft).Where(r => r.Metric == "sft/lr").Select(r => r.Value).ToList();
        rates.Should().HaveCount(2);
        rates[0].Should().BeApproximately(1e-3, 1e-12, "the warm-up's one step reaches --lr");
        rates[1].Should().BeApproximately(0, 1e-12, "the cosine ends at 0 on the last step");
        Directory.GetFiles(sft, "events.out.tfevents.*").Should().ContainSingle();
        File.Exists(Path.Combine(sft, "learning-curve.png")).Should().BeTrue();
        File.ReadAllText(Path.Combine(sft, "summary.txt")).Should().Contain("6 of 6 episodes kept", "the table's rows, unwrapped");
        AssertCheckpoint(Path.Combine(sft, "final"));
        var sftEval = RolloutFile.Read(Path.Combine(sft, "eval", "step-000002.jsonl"));
        sftEval.Should().HaveCount(2).And.OnlyContain(e => e.PolicyId == "torch:tiny@v0");

        using var dir = new TempDirectory();
        var init = Path.Combine(sft, "final");
        var results = await Task.WhenAll(
            RunAsync(dir.Path, ["train", Scenario, "--out", "grpo", "--init", init, .. With(Train, "--steps", "1")]),
            RunAsync(dir.Path, ["train", Scenario, "--out", "ppo", "--algo", "ppo", "--init", init, .. With(Train, "--steps", "1")]));

        var (grpo, ppo) = (results[0], results[1]);
        grpo.ExitCode.Should().Be(0, grpo.Because);
        ppo.ExitCode.Should().Be(0, ppo.Because);

        // One --seed, one set of held-out tasks: gym train evaluates on the tasks gym sft evaluated on.
        var grpoBefore = RolloutFile.Read(dir.File("grpo/eval/step-000000.jsonl"));
        grpoBefore.Select(e => e.Seed).Should().Equal(sftEval.Select(e => e.Seed));
        grpoBefore.Should().OnlyContain(e => e.PolicyId == "torch:tiny@v0", "the SFT checkpoint keeps its name and starts at v0");

        // PPO adds a value head (V = 0) to the SFT checkpoint, updates (v1 after one step), and saves the head.
        File.ReadAllText(Path.Combine(init, "config.json")).Should().NotContain("\"gym_value_head\": true");
        File.ReadAllText(dir.File("ppo/final/config.json")).Should().Contain("\"gym_value_head\": true");
        ppo.Stdout.Should().Contain("ppo");
        var ppoMetrics = ReadMetrics(dir.File("ppo"));
        ppoMetrics.Should().Contain((1, "policy/version", 1.0));
        MetricsByStep(ppoMetrics)[1].Should().Contain(["loss/value", "ppo/explained_variance"], "PPO logs its value loss and explained variance");
        RolloutFile.Read(dir.File("ppo/eval/step-000001.jsonl")).Should().HaveCount(2).And.OnlyContain(e => e.PolicyId == "torch:tiny@v1");

        // And back: GRPO from the PPO checkpoint drops its value head.
        var fromPpo = await RunAsync(dir.Path, ["train", Scenario, "--out", "grpo-from-ppo", "--init", dir.File("ppo/final"), .. With(With(Train, "--steps", "1"), "--eval-tasks", "0")]);

        fromPpo.ExitCode.Should().Be(0, fromPpo.Because);
        File.ReadAllText(dir.File("grpo-from-ppo/final/config.json")).Should().NotContain("\"gym_value_head\": true");
    }

    [Fact]
    public async Task Quick_fills_in_a_short_run_but_keeps_what_was_given_and_the_run_prints_a_time_estimate()
    {
        using var dir = new TempDirectory();

        // --steps and --eval-tasks given: kept; --episodes and --eval-samples left: --quick's.
        var result = await RunAsync(dir.Path, ["sft", Scenario, "--out", "quick", "--quick", "--steps", "4", "--eval-tasks", "2", "--batch-size", "4", "--max-new-tokens", "8", "--no-progress"]);

        result.ExitCode.Should().Be(0, result.Because);
        AssertNoStackTrace(result);
        RolloutFile.Read(dir.File("quick/demonstrations.jsonl")).Should().HaveCount(64, "--quick collects 64 expert episodes");
        MetricsByStep(ReadMetrics(dir.File("quick"))).Keys.Should().BeEquivalentTo([1, 2, 3, 4], "--steps 4 was given");
        RolloutFile.Read(dir.File("quick/eval/step-000004.jsonl")).Should().HaveCount(2, "--eval-tasks 2 was given, × --quick's one sample");
        result.StderrLines.Should().ContainSingle(l => l.StartsWith("estimate: ", StringComparison.Ordinal), result.Because)
            .Which.Should().MatchRegex(@"^estimate: [0-9.]+ s per step, about [0-9.]+ (s|min) for the remaining 1 steps, plus 1 held-out evaluation of 2 tasks × 1 episodes");
    }

    [Fact]
    public async Task Sft_trains_on_the_successful_episodes_of_a_rollout_file_and_refuses_a_file_without_any()
    {
        using var dir = new TempDirectory();
        string[] sftArgs = ["--steps", "2", "--batch-size", "4", "--eval-tasks", "2", "--eval-samples", "1", "--max-new-tokens", "8"];

        var mixedRun = await GymProcess.RunAsync(dir.Path, "run", Scenario, "--episodes", "8", "--policy", "expert:0.5", "--no-progress", "--out", "mixed.jsonl");
        var failedRun = await GymProcess.RunAsync(dir.Path, "run", Scenario, "--episodes", "4", "--policy", "expert:1", "--no-progress", "--out", "failed.jsonl");

        mixedRun.ExitCode.Should().Be(0, mixedRun.Because);
        failedRun.ExitCode.Should().Be(0, failedRun.Because);
        var successful = RolloutFile.Read(dir.File("mixed.jsonl")).Count(e => e.Success);
        successful.Should().BePositive("the expert recovers from some of its mistakes");
        RolloutFile.Read(dir.File("failed.jsonl")).Should().NotContain(e => e.Success, "an expert that always errs never succeeds");

        var kept = await RunAsync(dir.Path, ["sft", Scenario, "--rollouts", "mixed.jsonl", "--successful-only", "--out", "kept", .. sftArgs]);
        var none = await RunAsync(dir.Path, ["sft", Scenario, "--rollouts", "failed.jsonl", "--successful-only", "--out", "none", .. sftArgs]);

        kept.ExitCode.Should().Be(0, kept.Because);
        kept.Stdout.Should().Contain("gym sft");
        File.ReadAllText(dir.File("kept/summary.txt")).Should().Contain($"mixed.jsonl: {successful} of 8 episodes kept");
        File.Exists(dir.File("kept/demonstrations.jsonl")).Should().BeFalse("nothing is collected when --rollouts is given");
        AssertCheckpoint(dir.File("kept/final"));
        AssertUsageError(none, "failed.jsonl: no successful episode to train on");
        Directory.Exists(dir.File("none")).Should().BeFalse("a rejected run creates no run folder");
    }
}
