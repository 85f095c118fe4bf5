using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym run SCENARIO --episodes all</c> plays each question of an ordered dataset task exactly once.</summary>
public sealed class EpisodesAllTests
{
    private static void WriteScenario(TempDirectory dir, string order)
    {
        File.WriteAllLines(dir.File("q.jsonl"),
        [
            """{"id": "a", "question": "Capital of France?", "golden_answers": ["Paris"]}""",
            """{"_id": "b", "question": "Who was born first?", "answer": ["Arthur Conan Doyle", "Conan Doyle"]}""",
            """{"prompt": [{"role": "user", "content": "Capital of Peru?"}], "reward_model": {"style": "rule", "ground_truth": {"target": ["Lima"]}}, "extra_info": {"index": 2, "split": "test"}}""",
            """{"id": "d", "question": "Capital of Chad?", "golden_answers": ["N'Djamena"]}""",
            """{"id": "e", "question": "Capital of Fiji?", "golden_answers": ["Suva"]}""",
        ]);
        File.WriteAllText(dir.File("s.yaml"), $"""
            id: test/once-through
            task:
              dataset: q.jsonl
              order: {order}
            seed: 5
            """);
    }

    [Theory]
    [InlineData("sequential")]
    [InlineData("shuffled")]
    public async Task Each_question_is_played_exactly_once(string order)
    {
        using var dir = new TempDirectory();
        WriteScenario(dir, order);

        var result = await GymProcess.RunAsync(dir.Path, "run", "s.yaml", "--episodes", "all", "--out", "r.jsonl", "--no-progress");

        result.ExitCode.Should().Be(0, result.Because);
        var records = RolloutFile.Read(dir.File("r.jsonl"));
        records.Should().HaveCount(5).And.OnlyContain(r => r.Success);
        records.Select(r => r.ResetInfo.Get("item", "")).Should().BeEquivalentTo(["a", "b", "2", "d", "e"]);
    }

    [Fact]
    public async Task All_over_sampled_questions_plays_the_file_once_in_order_and_reports_distinct_questions()
    {
        using var dir = new TempDirectory();
        WriteScenario(dir, "sample");

        var result = await GymProcess.RunAsync(dir.Path, "run", "s.yaml", "--episodes", "all", "--out", "r.jsonl", "--no-progress");

        result.ExitCode.Should().Be(0, result.Because);
        RolloutFile.Read(dir.File("r.jsonl")).Select(r => r.ResetInfo.Get("item", "")).Should().Equal("a", "b", "2", "d", "e");
        Row(result.Stdout, "all").Should().StartWith("5 5 ", "five distinct questions over five episodes");
    }

    [Fact]
    public async Task All_with_an_explicit_sample_order_is_a_usage_error()
    {
        using var dir = new TempDirectory();
        WriteScenario(dir, "sequential");

        var result = await GymProcess.RunAsync(dir.Path, "run", "s.yaml", "--episodes", "all", "--param", "order=sample", "--out", "r.jsonl", "--no-progress");

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().Contain("--episodes all needs").And.Contain("order: sequential or shuffled");
        File.Exists(dir.File("r.jsonl")).Should().BeFalse();
    }

    [Fact]
    public async Task The_summary_reports_metrics_over_distinct_questions_per_type_and_level()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("s.yaml"), $$"""
            id: test/hotpot-once
            task:
              environment: search-qa/files-v0
              params:
                questions: {{Path.Combine(RepositoryFolders.Root, "scenarios", "search-qa", "data", "hotpotqa-mini.json")}}
            rewards:
              outcome:
                - {kind: exact_match, weight: 1}
                - {kind: token_f1, weight: 0}
            seed: 3
            """);

        // 12 noisy episodes over 3 questions: some are played more than once, and some fail.
        var result = await GymProcess.RunAsync(dir.Path, "run", "s.yaml", "--episodes", "12", "--policy", "expert:0.5", "--out", "r.jsonl", "--no-progress");

        result.ExitCode.Should().Be(0, result.Because);
        var records = RolloutFile.Read(dir.File("r.jsonl")).Where(r => r.Status == EpisodeStatus.Completed).ToList();
        var perQuestion = records.GroupBy(r => r.ResetInfo.Get("question_id", "")).ToDictionary(
            g => g.Key,
            g => (Type: g.First().ResetInfo.Get("type", ""), Success: g.Average(r => r.Success ? 1.0 : 0.0)));
        perQuestion.Should().HaveCount(3);
        var expected = perQuestion.Values.Average(q => q.Success);
        var bridge = perQuestion.Values.Where(q => q.Type == "bridge").ToList();
        bridge.Should().HaveCount(2);

        var table = result.Stdout;
        Row(table, "all").Should().StartWith($"3 {records.Count} ").And.EndWith(Percent(expected));
        Row(table, "type = bridge").Should().StartWith("2 ").And.EndWith(Percent(bridge.Average(q => q.Success)));
        Row(table, "level = hard").Should().StartWith("1 ");
    }

    /// <summary>The cells after the label of a summary-table row, separated by single spaces.</summary>
    private static string Row(string table, string label)
    {
        var line = table.Split('\n').Single(l => l.Contains($"│ {label} ", StringComparison.Ordinal));
        var cells = line.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', cells.Skip(1));
    }

    private static string Percent(double value) => (value * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
