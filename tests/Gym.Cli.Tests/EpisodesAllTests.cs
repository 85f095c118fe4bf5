using FluentAssertions;
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
    public async Task All_with_sampled_questions_is_a_usage_error()
    {
        using var dir = new TempDirectory();
        WriteScenario(dir, "sample");

        var result = await GymProcess.RunAsync(dir.Path, "run", "s.yaml", "--episodes", "all", "--out", "r.jsonl", "--no-progress");

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().Contain("--episodes all needs").And.Contain("order: sequential or shuffled");
    }
}
