using System.Text.Json;
using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym run</c> end to end: the rollout file, the summary, determinism and timings.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_writes_one_valid_line_per_episode_in_order_and_prints_the_summary()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--episodes", "1000", "--out", "rollouts.jsonl");

        result.ExitCode.Should().Be(0, result.Because);
        var records = RolloutFile.Read(dir.File("rollouts.jsonl"));
        records.Should().HaveCount(1000);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            record.Episode.Should().Be(i, "line {0} must hold episode {0} (episodes are written in order)", i + 1);
            record.EnvironmentId.Should().Be("tool-use/arithmetic-v0");
            record.Status.Should().Be(EpisodeStatus.Completed, "episode {0} should have completed", i);
            record.Turns.Should().NotBeEmpty("episode {0} played at least one turn", i);
            var sum = 0.0;
            foreach (var turn in record.Turns)
            {
                sum += turn.Reward;
            }

            record.TotalReward.Should().BeApproximately(sum, 1e-9, "episode {0}'s total_reward is the sum of its turns' rewards", i);
        }

        records.Select(r => r.Seed).Distinct().Should().HaveCount(1000, "each episode has its own derived seed");
        result.Stdout.Should().Contain("success rate")
            .And.Contain("numeric_match")
            .And.Contain("stop reason")
            .And.Contain("completed / failed / cancelled")
            .And.Contain("wrote 1000 episodes");
        result.Stdout.Should().NotContain("\u001b[", "NO_COLOR=1 and redirected output mean no escape sequences");
    }

    [Fact]
    public async Task The_same_seed_gives_a_byte_identical_file_at_any_concurrency_and_another_seed_does_not()
    {
        using var dir = new TempDirectory();
        string[] common = ["run", "tool-use/arithmetic-v0", "--episodes", "150", "--policy", "expert:0.2", "--no-progress"];

        var serial = await GymProcess.RunAsync(dir.Path, [.. common, "--seed", "7", "--concurrency", "1", "--out", "serial.jsonl"]);
        var parallel = await GymProcess.RunAsync(dir.Path, [.. common, "--seed", "7", "--concurrency", "32", "--out", "parallel.jsonl"]);
        var reseeded = await GymProcess.RunAsync(dir.Path, [.. common, "--seed", "8", "--concurrency", "32", "--out", "reseeded.jsonl"]);

        serial.ExitCode.Should().Be(0, serial.Because);
        parallel.ExitCode.Should().Be(0, parallel.Because);
        reseeded.ExitCode.Should().Be(0, reseeded.Because);
        var serialBytes = await File.ReadAllBytesAsync(dir.File("serial.jsonl"));
        var parallelBytes = await File.ReadAllBytesAsync(dir.File("parallel.jsonl"));
        var reseededBytes = await File.ReadAllBytesAsync(dir.File("reseeded.jsonl"));

        serialBytes.Should().NotBeEmpty();
        serialBytes.AsSpan().SequenceEqual(parallelBytes).Should().BeTrue(
            "seed 7 must give the same bytes at concurrency 1 and 32; {0}", FirstDifference(dir.File("serial.jsonl"), dir.File("parallel.jsonl")));
        serialBytes.AsSpan().SequenceEqual(reseededBytes).Should().BeFalse("seed 8 must give different episodes than seed 7");

        // The mistakes of expert:0.2 are random too, so the identical files above are a real test of seeding.
        var records = RolloutFile.Read(dir.File("serial.jsonl"));
        records.Should().HaveCount(150);
        records.Select(r => r.TotalReward).Distinct().Should().HaveCountGreaterThan(1, "expert:0.2 makes mistakes, so rewards vary");
        records.Should().Contain(r => !r.Success, "expert:0.2 fails some episodes");
        records.Should().Contain(r => r.Success);
    }

    [Fact]
    public async Task Timings_adds_a_timings_object_to_every_line_and_is_absent_otherwise()
    {
        using var dir = new TempDirectory();

        var timed = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-easy-v0", "-n", "20", "--timings", "--no-progress", "--out", "timed.jsonl");
        var plain = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-easy-v0", "-n", "20", "--no-progress", "--out", "plain.jsonl");

        timed.ExitCode.Should().Be(0, timed.Because);
        plain.ExitCode.Should().Be(0, plain.Because);
        var timedLines = RolloutFile.ReadLines(dir.File("timed.jsonl"));
        timedLines.Should().HaveCount(20);
        foreach (var line in timedLines)
        {
            using var json = JsonDocument.Parse(line);
            json.RootElement.TryGetProperty("timings", out var timings).Should().BeTrue("--timings adds timings to every line: {0}", line);
            timings.ValueKind.Should().Be(JsonValueKind.Object);
            foreach (var name in new[] { "wall_ms", "policy_ms", "environment_ms" })
            {
                timings.TryGetProperty(name, out var value).Should().BeTrue("timings has {0}", name);
                value.GetDouble().Should().BeGreaterThanOrEqualTo(0);
            }

            TrajectoryJson.Deserialize(line).Timings.Should().NotBeNull();
        }

        var plainLines = RolloutFile.ReadLines(dir.File("plain.jsonl"));
        plainLines.Should().HaveCount(20);
        foreach (var line in plainLines)
        {
            using var json = JsonDocument.Parse(line);
            json.RootElement.TryGetProperty("timings", out _).Should().BeFalse("without --timings there are no timings: {0}", line);
            TrajectoryJson.Deserialize(line).Timings.Should().BeNull();
        }
    }

    [Fact]
    public async Task No_progress_keeps_stderr_empty_and_redirected_progress_goes_to_stderr_only()
    {
        using var dir = new TempDirectory();

        var quiet = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-easy-v0", "-n", "300", "-c", "4", "--no-progress", "--out", "quiet.jsonl");
        var chatty = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-easy-v0", "-n", "300", "-c", "4", "--out", "chatty.jsonl");

        quiet.ExitCode.Should().Be(0, quiet.Because);
        quiet.Stderr.Should().BeEmpty(quiet.Because);
        chatty.ExitCode.Should().Be(0, chatty.Because);
        // How many progress lines appear depends on speed (one per 10% seen by a 200 ms poll), so only their shape is checked.
        chatty.StderrLines.Where(line => !(line.StartsWith("episodes ", StringComparison.Ordinal) && line.Contains("/300 ", StringComparison.Ordinal)))
            .Should().BeEmpty("stderr carries only progress lines; {0}", chatty.Because);
        chatty.Stdout.Should().NotContain("/300", "progress never goes to stdout, which carries the summary");
    }

    [Fact]
    public async Task The_summary_ends_with_reward_diagnostics()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--episodes", "50", "--policy", "expert:0.3", "--no-progress", "--out", "rollouts.jsonl");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("reward diagnostics over 50 completed episodes")
            .And.Contain("raw corr.")
            .And.Contain("numeric_match")
            .And.Contain("process reward earned in unsuccessful episodes: ")
            .And.Contain("length/reward correlation: ")
            .And.Contain("format-valid rate: ")
            .And.Contain("success rate first half → second half: ");
        result.StdoutLines.Should().Contain(line => line.StartsWith("format-valid rate: ", StringComparison.Ordinal) && line.EndsWith('%'), result.Because);
        // The scripted expert does not game its reward: its mistakes cost reward and success alike (and seed 0 makes this deterministic).
        result.Stdout.Should().NotContain("warning:", result.Because);
        result.Stdout.IndexOf("reward diagnostics", StringComparison.Ordinal).Should().BeGreaterThan(result.Stdout.IndexOf("stop reason", StringComparison.Ordinal), "the diagnostics come last, next to any warnings");
        result.Stdout.Should().NotContain("\u001b[", "NO_COLOR=1 and redirected output mean no escape sequences");
        // Redirected output has no width: tables take their natural one instead of wrapping at 80 columns.
        result.StdoutLines.Should().Contain(line => line.Contains("component", StringComparison.Ordinal) && line.Contains("raw corr.", StringComparison.Ordinal) && line.Contains("paid share", StringComparison.Ordinal), result.Because);
        result.StdoutLines.Should().Contain(line => line.Contains("reward diagnostics over 50 completed episodes (corr. with success)", StringComparison.Ordinal));
    }

    private static string FirstDifference(string left, string right)
    {
        var a = File.ReadAllLines(left);
        var b = File.ReadAllLines(right);
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return $"line {i + 1} differs:\n{Cut(a[i])}\n{Cut(b[i])}";
            }
        }

        return a.Length == b.Length ? "the files are equal" : $"{a.Length} lines vs {b.Length} lines";
    }

    private static string Cut(string line) => line.Length <= 400 ? line : line[..400] + "…";
}
