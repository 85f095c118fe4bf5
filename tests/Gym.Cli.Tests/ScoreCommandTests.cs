using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym score</c> end to end: re-scoring a rollout file under a changed reward specification.</summary>
public sealed class ScoreCommandTests
{
    private const string Played = """
        id: test/played
        task:
          environment: tool-use/arithmetic-v0
          params: {difficulty: 2}
        rewards:
          process:
            - {kind: format, weight: 0.2}
          outcome:
            - {kind: numeric_match, weight: 1}
        """;

    private const string Shaped = """
        id: test/shaped
        task:
          environment: tool-use/arithmetic-v0
          params: {difficulty: 2}
        rewards:
          process:
            - {kind: toolrl, weight: 0.05}
            - {kind: turn_cost, weight: 0.01}
            - {kind: milestone, name: first_result, weight: 0.1, params: {when: "plan_calls_done >= 1"}}
          outcome:
            - {kind: numeric_match, weight: 1}
            - {kind: token_f1, weight: 0}
        """;

    [Fact]
    public async Task Score_rewrites_rewards_without_rerunning_and_same_spec_reproduces_the_file()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("played.yaml"), Played);
        File.WriteAllText(dir.File("shaped.yaml"), Shaped);
        var run = await GymProcess.RunAsync(dir.Path, "run", "played.yaml", "--episodes", "30", "--policy", "expert:0.3", "--out", "rollouts.jsonl", "--no-progress");
        run.ExitCode.Should().Be(0, run.Because);

        var same = await GymProcess.RunAsync(dir.Path, "score", "rollouts.jsonl", "--scenario", "played.yaml", "--out", "same.jsonl", "--no-progress");
        var shaped = await GymProcess.RunAsync(dir.Path, "score", "rollouts.jsonl", "--scenario", "shaped.yaml", "--no-progress");

        same.ExitCode.Should().Be(0, same.Because);
        File.ReadAllText(dir.File("same.jsonl")).Should().Be(File.ReadAllText(dir.File("rollouts.jsonl")), "re-scoring under the same specification changes nothing");
        shaped.ExitCode.Should().Be(0, shaped.Because);
        shaped.Stdout.Should().Contain("reward diagnostics").And.Contain("wrote 30 re-scored episodes to");
        var before = RolloutFile.Read(dir.File("rollouts.jsonl"));
        var after = RolloutFile.Read(dir.File("rollouts.rescored.jsonl"));
        after.Should().HaveCount(30);
        after.Select(r => r.Turns.Select(t => t.Action.Text)).Should().BeEquivalentTo(before.Select(r => r.Turns.Select(t => t.Action.Text)), o => o.WithStrictOrdering());
        after.Select(r => r.Success).Should().Equal(before.Select(r => r.Success));
        after.SelectMany(r => r.Turns).SelectMany(t => t.Breakdown.Terms).Select(t => t.Name).Distinct()
            .Should().BeEquivalentTo("toolrl", "turn_cost", "first_result", "numeric_match", "token_f1");
        after.Should().OnlyContain(r => Math.Abs(r.TotalReward - r.Turns.Sum(t => t.Breakdown.Total)) < 1e-9);
    }

    [Fact]
    public async Task Score_reports_bad_input_in_one_line_with_a_non_zero_exit()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("played.yaml"), Played);
        File.WriteAllText(dir.File("broken.jsonl"), "{\"episode\": 0}\nnot json\n");

        var missing = await GymProcess.RunAsync(dir.Path, "score", "nope.jsonl", "--scenario", "played.yaml");
        var broken = await GymProcess.RunAsync(dir.Path, "score", "broken.jsonl", "--scenario", "played.yaml", "--no-progress");
        var self = await GymProcess.RunAsync(dir.Path, "score", "broken.jsonl", "--scenario", "played.yaml", "--out", "broken.jsonl");

        missing.ExitCode.Should().Be(2, missing.Because);
        missing.Stderr.Should().Contain("nope.jsonl: no such rollout file").And.NotContain("   at ");
        broken.ExitCode.Should().Be(2, broken.Because);
        broken.Stderr.Should().Contain("broken.jsonl:1:").And.NotContain("   at ");
        self.ExitCode.Should().Be(2, self.Because);
        self.Stderr.Should().Contain("must not be the input");
    }

    [Fact]
    public async Task Score_names_the_episode_and_turn_a_changed_task_cannot_replay()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("played.yaml"), Played);
        File.WriteAllText(dir.File("short.yaml"), Played.Replace("id: test/played", "id: test/short\nlimits: {max_turns: 1}", StringComparison.Ordinal));
        var run = await GymProcess.RunAsync(dir.Path, "run", "played.yaml", "--episodes", "5", "--out", "rollouts.jsonl", "--no-progress");
        run.ExitCode.Should().Be(0, run.Because);

        var result = await GymProcess.RunAsync(dir.Path, "score", "rollouts.jsonl", "--scenario", "short.yaml", "--no-progress");

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().MatchRegex("episode 0, turn 0: the replay ends the episode where the record continues it");
    }
}
