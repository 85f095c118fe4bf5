using System.Text.Json;
using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// <c>--format json</c> of <c>gym run</c> and <c>gym score</c>: stdout is one JSON object and nothing
/// else, and its numbers are those of the rollout file the command wrote (recomputed here from the file).
/// </summary>
public sealed class SummaryFormatTests
{
    [Fact]
    public async Task Run_prints_its_summary_as_one_json_object_whose_numbers_match_the_file()
    {
        using var dir = new TempDirectory();
        // Progress stays on (as plain lines on stderr): stdout must still hold the JSON alone.
        var run = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--episodes", "12", "--group-size", "3", "--policy", "expert:0.3", "--seed", "5", "--out", "r.jsonl", "--format", "json");

        run.ExitCode.Should().Be(0, run.Because);
        var json = SingleJsonObject(run);
        var records = RolloutFile.Read(dir.File("r.jsonl"));
        json.GetProperty("command").GetString().Should().Be("run");
        json.GetProperty("environment_id").GetString().Should().Be("tool-use/arithmetic-v0");
        json.GetProperty("policy").GetString().Should().Be("expert:0.3");
        json.GetProperty("seed").GetInt64().Should().Be(5);
        json.GetProperty("output").GetString().Should().Be("r.jsonl");
        json.GetProperty("stopped_early").GetBoolean().Should().BeFalse();
        json.GetProperty("file").GetProperty("written").GetInt64().Should().Be(12);
        AssertSummaryMatches(json, records);
        var groups = json.GetProperty("groups");
        groups.GetProperty("k").GetInt32().Should().Be(3);
        groups.GetProperty("groups").GetInt32().Should().Be(4);
        json.GetProperty("advantages").GetProperty("k").GetInt32().Should().Be(3);
        json.GetProperty("curriculum").GetArrayLength().Should().Be(0);
        json.GetProperty("questions").ValueKind.Should().Be(JsonValueKind.Null, "arithmetic has no question dataset");
        run.Stderr.Should().Contain("episodes", "progress lines still go to stderr");
    }

    [Fact]
    public async Task Score_prints_its_summary_as_one_json_object_whose_numbers_match_the_rescored_file()
    {
        using var dir = new TempDirectory();
        var sparse = Path.Combine(RepositoryFolders.Root, "scenarios", "rewards", "arith-sparse.yaml");
        var shaped = Path.Combine(RepositoryFolders.Root, "scenarios", "rewards", "arith-shaped.yaml");
        var run = await GymProcess.RunAsync(dir.Path, "run", shaped, "--episodes", "10", "--policy", "expert:0.3", "--out", "r.jsonl", "--no-progress");
        run.ExitCode.Should().Be(0, run.Because);

        var score = await GymProcess.RunAsync(dir.Path, "score", "r.jsonl", "--scenario", sparse, "--out", "s.jsonl", "--format", "json", "--no-progress");

        score.ExitCode.Should().Be(0, score.Because);
        var json = SingleJsonObject(score);
        json.GetProperty("command").GetString().Should().Be("score");
        json.GetProperty("input").GetString().Should().Be("r.jsonl");
        json.GetProperty("output").GetString().Should().Be("s.jsonl");
        json.GetProperty("file").GetProperty("written").GetInt64().Should().Be(10);
        json.GetProperty("groups").ValueKind.Should().Be(JsonValueKind.Null, "every seed was played once");
        AssertSummaryMatches(json, RolloutFile.Read(dir.File("s.jsonl")));
    }

    [Fact]
    public async Task A_dataset_run_reports_its_distinct_questions_in_the_json()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("q.jsonl"),
        [
            """{"id": "a", "question": "Capital of France?", "golden_answers": ["Paris"]}""",
            """{"id": "b", "question": "Capital of Peru?", "golden_answers": ["Lima"]}""",
            """{"id": "c", "question": "Capital of Chad?", "golden_answers": ["N'Djamena"]}""",
        ]);
        File.WriteAllText(dir.File("s.yaml"), """
            id: test/questions-json
            task:
              dataset: q.jsonl
              order: sequential
            seed: 2
            """);

        var run = await GymProcess.RunAsync(dir.Path, "run", "s.yaml", "--episodes", "6", "--out", "r.jsonl", "--format", "json", "--no-progress");

        run.ExitCode.Should().Be(0, run.Because);
        var all = SingleJsonObject(run).GetProperty("questions").GetProperty("all");
        all.GetProperty("questions").GetInt32().Should().Be(3, "six episodes walked three questions twice");
        all.GetProperty("episodes").GetInt32().Should().Be(6);
        all.GetProperty("success_rate").GetDouble().Should().Be(1, "the scripted expert answers every question");
    }

    [Theory]
    [InlineData("run", "tool-use/arithmetic-v0")]
    [InlineData("score", "FILE")]
    public async Task An_unknown_format_is_one_clear_error(string command, string target)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("r.jsonl"), "");
        string[] args = command == "run"
            ? ["run", target, "--episodes", "1", "--out", "r.jsonl", "--format", "xml"]
            : ["score", "r.jsonl", "--scenario", "tool-use/arithmetic-v0", "--format", "xml"];

        var result = await GymProcess.RunAsync(dir.Path, args);

        CliAssertions.AssertUsageError(result, "--format must be text or json (got 'xml')");
    }

    [Fact]
    public async Task The_help_of_run_and_score_names_the_format_option()
    {
        using var dir = new TempDirectory();
        foreach (var command in new[] { "run", "score" })
        {
            var help = await GymProcess.RunAsync(dir.Path, command, "--help");
            help.ExitCode.Should().Be(0, help.Because);
            help.Stdout.Should().Contain("--format").And.Contain("text|json", help.Because);
        }
    }

    /// <summary>Stdout is exactly one line, and that line is one JSON object.</summary>
    private static JsonElement SingleJsonObject(GymResult result)
    {
        result.Stdout.Should().EndWith("\n", result.Because);
        result.Stdout.TrimEnd('\n').Should().NotContain("\n", "stdout holds the JSON object alone; {0}", result.Because);
        using var document = JsonDocument.Parse(result.Stdout);
        document.RootElement.ValueKind.Should().Be(JsonValueKind.Object, result.Because);
        return document.RootElement.Clone();
    }

    /// <summary>The summary's counts and means, recomputed from the episodes of the file.</summary>
    private static void AssertSummaryMatches(JsonElement json, IReadOnlyList<EpisodeRecord> records)
    {
        var completed = records.Where(r => r.Status == EpisodeStatus.Completed).ToList();
        var played = records.Where(r => r.Turns.Count > 0).ToList();
        json.GetProperty("episodes").GetInt32().Should().Be(records.Count);
        json.GetProperty("completed").GetInt32().Should().Be(completed.Count);
        json.GetProperty("failed").GetInt32().Should().Be(records.Count(r => r.Status == EpisodeStatus.Failed));
        json.GetProperty("success_rate").GetDouble().Should().BeApproximately(completed.Count(r => r.Success) / (double)completed.Count, 1e-12);
        json.GetProperty("mean_reward").GetDouble().Should().BeApproximately(played.Average(r => r.TotalReward), 1e-9);
        json.GetProperty("total_steps").GetInt64().Should().Be(records.Sum(r => (long)r.Turns.Count));
        json.GetProperty("reward").GetProperty("max").GetDouble().Should().BeApproximately(played.Max(r => r.TotalReward), 1e-9);

        var componentNames = json.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        componentNames.Should().BeEquivalentTo(records.SelectMany(r => r.Turns).SelectMany(t => t.Breakdown.Terms).Select(t => t.Name).Distinct());
        var componentMeans = json.GetProperty("components").EnumerateArray().Sum(c => c.GetProperty("mean").GetDouble());
        componentMeans.Should().BeApproximately(json.GetProperty("mean_reward").GetDouble(), 1e-9, "the component means add up to the mean reward");

        var stopReasons = json.GetProperty("stop_reasons").EnumerateObject().Sum(p => p.Value.GetInt32());
        stopReasons.Should().Be(records.Count);
        var diagnostics = json.GetProperty("diagnostics");
        diagnostics.GetProperty("episodes").GetInt32().Should().Be(completed.Count(r => r.Turns.Count > 0));
        diagnostics.GetProperty("warnings").ValueKind.Should().Be(JsonValueKind.Array);
    }
}
