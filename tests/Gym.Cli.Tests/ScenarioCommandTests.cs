using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym validate</c>, and <c>gym run</c> / <c>gym check</c> on scenario files, end to end.</summary>
public sealed class ScenarioCommandTests
{
    private const string Valid = """
        id: test/copied
        description: a copied scenario with a few fields changed
        task:
          environment: tool-use/arithmetic-v0
          params:
            difficulty: 2
        operators:
          - kind: multi-objective
            k: 3
        memory:
          mode: mem1
        policy:
          kind: expert
          error_rate: 0
        seed: 4
        episodes: 12
        """;

    [Fact]
    public async Task Validate_prints_only_the_located_errors_and_a_count_and_exits_non_zero()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("good.yaml"), Valid);
        File.WriteAllText(dir.File("bad.yaml"), Valid.Replace("mode: mem1", "mode: mem2", StringComparison.Ordinal).Replace("k: 3", "k: 0", StringComparison.Ordinal));

        var good = await GymProcess.RunAsync(dir.Path, "validate", "good.yaml");
        var bad = await GymProcess.RunAsync(dir.Path, "validate", "good.yaml", "bad.yaml");

        good.ExitCode.Should().Be(0, good.Because);
        good.StdoutLines.Should().Equal("good.yaml: valid");
        good.StderrLines.Should().Equal("1 file checked: 1 valid, 0 errors");
        bad.ExitCode.Should().Be(1, bad.Because);
        bad.StdoutLines.Should().Equal("good.yaml: valid");
        bad.StderrLines.Should().HaveCount(3, bad.Because);
        bad.StderrLines[0].Should().StartWith("bad.yaml:9:8: error:").And.Contain("k");
        bad.StderrLines[1].Should().StartWith("bad.yaml:11:9: error:").And.Contain("mem2").And.Contain("mem1");
        bad.StderrLines[2].Should().Be("2 files checked: 1 valid, 2 errors");
    }

    [Fact]
    public async Task Validate_reads_the_data_files_reports_their_lines_and_checks_every_file()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data.jsonl"), """
            {"question": "a?", "golden_answers": ["x"]}
            {"question": "b?", "golden_answers": ["y"]}
            {"question": "c?", broken
            """);
        File.WriteAllText(dir.File("corpus.jsonl"), "{\"id\": \"1\", \"contents\": \"\\\"A\\\"\\ntext a\"}\n");
        File.WriteAllText(dir.File("bad.yaml"), """
            id: test/bad-data
            task:
              dataset: data.jsonl
            """);
        File.WriteAllText(dir.File("search.yaml"), """
            id: test/bad-questions
            task:
              environment: search-qa/files-v0
              params:
                questions: data.jsonl
                corpus: corpus.jsonl
            """);
        File.WriteAllText(dir.File("good.yaml"), Valid);

        var result = await GymProcess.RunAsync(dir.Path, "validate", "bad.yaml", "search.yaml", "good.yaml");

        result.ExitCode.Should().Be(1, result.Because);
        result.StderrLines.Should().HaveCount(3, result.Because);
        result.StderrLines[0].Should().StartWith("data.jsonl:3: error: not valid JSON").And.EndWith("(bad.yaml)");
        result.StderrLines[1].Should().StartWith("data.jsonl:3: error: not valid JSON").And.EndWith("(search.yaml)");
        result.StderrLines[2].Should().Be("3 files checked: 1 valid, 2 errors");
        result.StdoutLines.Should().Equal("good.yaml: valid");
        result.Stderr.Should().NotContain("   at ");
    }

    [Fact]
    public async Task Validate_without_a_file_is_a_usage_error()
    {
        var result = await GymProcess.RunAsync(Directory.GetCurrentDirectory(), "validate");

        result.ExitCode.Should().Be(2, result.Because);
    }

    [Fact]
    public async Task Run_takes_a_scenario_path_and_its_defaults_and_options_override_them()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("copied.yaml"), Valid);

        var byDefault = await GymProcess.RunAsync(dir.Path, "run", "copied.yaml", "--out", "a.jsonl", "--no-progress");
        var overridden = await GymProcess.RunAsync(dir.Path, "run", "copied.yaml", "--out", "b.jsonl", "--no-progress", "--episodes", "5", "--memory", "full");

        byDefault.ExitCode.Should().Be(0, byDefault.Because);
        var records = RolloutFile.Read(dir.File("a.jsonl"));
        records.Should().HaveCount(12, "the scenario asks for 12 episodes");
        records.Should().OnlyContain(r => r.EnvironmentId == "test/copied" && r.Success);
        records[0].Turns[^1].Breakdown.Terms.Select(t => t.Name).Should().Contain("objective3.numeric_match");
        records[0].Turns[^1].Context.Should().OnlyContain(s => s.Turn == -1 || s.Turn >= records[0].Turns.Count - 2, "mem1 keeps only the prompt and the latest turn");
        byDefault.Stdout.Should().Contain("mem1");

        overridden.ExitCode.Should().Be(0, overridden.Because);
        RolloutFile.Read(dir.File("b.jsonl")).Should().HaveCount(5);
        overridden.Stdout.Should().Contain("full");
    }

    [Fact]
    public async Task A_bad_scenario_given_to_run_points_at_the_line_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("broken.yaml"), Valid.Replace("  max_turns", "  max_turn", StringComparison.Ordinal).Replace("seed: 4", "seed: four", StringComparison.Ordinal));

        var result = await GymProcess.RunAsync(dir.Path, "run", "broken.yaml", "--out", "x.jsonl");

        result.ExitCode.Should().Be(2, result.Because);
        result.StderrLines.Should().ContainSingle(result.Because).Which.Should().StartWith("error: broken.yaml:15:7:");
        result.Stderr.Should().NotContain("   at ");
        File.Exists(dir.File("x.jsonl")).Should().BeFalse();
    }

    [Fact]
    public async Task Group_size_reports_pass_at_k_and_pass_hat_k_under_tool_faults()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("faults.yaml"), """
            id: test/faults
            task:
              environment: tool-use/arithmetic-v0
              params:
                difficulty: 3
            operators:
              - kind: with-tool-faults
                error_rate: 0.3
            limits:
              max_turns: 5
            """);

        var result = await GymProcess.RunAsync(dir.Path, "run", "faults.yaml", "--episodes", "120", "--group-size", "3", "--out", "f.jsonl", "--no-progress");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("pass@3").And.Contain("pass^3").And.Contain("40 groups of 3");
        var records = RolloutFile.Read(dir.File("f.jsonl"));
        var groups = records.GroupBy(r => r.Seed).ToList();
        var zeroVariance = groups.Count(g => g.Select(r => r.TotalReward).Distinct().Count() == 1);
        result.Stdout.Should().Contain("group normalizers over 40 groups of 3").And.Contain($"{zeroVariance} ({zeroVariance * 100.0 / 40:0.0}%)");
        groups.Should().HaveCount(40).And.OnlyContain(g => g.Count() == 3);
        var passAt1 = records.Average(r => r.Success ? 1.0 : 0.0);
        var passAt3 = groups.Average(g => g.Any(r => r.Success) ? 1.0 : 0.0);
        var passHat3 = groups.Average(g => g.All(r => r.Success) ? 1.0 : 0.0);
        passHat3.Should().BeLessThanOrEqualTo(passAt1).And.BeLessThan(passAt3, "attempts at one task draw their faults independently");
        passAt1.Should().BeLessThanOrEqualTo(passAt3);
    }

    [Fact]
    public async Task Check_takes_a_scenario_path()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("copied.yaml"), Valid);

        var result = await GymProcess.RunAsync(dir.Path, "check", "copied.yaml", "--seeds", "2");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("checks passed");
    }
}
