using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym list</c>, <c>gym check</c> and the help texts.</summary>
public sealed class ListCheckHelpTests
{
    [Fact]
    public async Task List_shows_every_arithmetic_id_whole_and_its_parameters()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "list");

        result.ExitCode.Should().Be(0, result.Because);
        // Whole ids on one line, so that `gym list | grep ID` works on redirected (80-column) output.
        result.StdoutLines.Should().Contain(line => line.Contains("tool-use/arithmetic-v0", StringComparison.Ordinal), result.Because)
            .And.Contain(line => line.Contains("tool-use/arithmetic-easy-v0", StringComparison.Ordinal), result.Because)
            .And.Contain(line => line.Contains("tool-use/arithmetic-hard-v0", StringComparison.Ordinal), result.Because);
        result.Stdout.Should().Contain("digits").And.Contain("max_turns");
        result.Stderr.Should().BeEmpty();
    }

    [Theory]
    [InlineData("components", "retrieval_hit")]
    [InlineData("components", "milestone")]
    [InlineData("state-keys", "gold_retrieved")]
    [InlineData("operators", "with-tool-faults")]
    [InlineData("modules", "search-qa")]
    [InlineData("dataset-formats", ".jsonl")]
    public async Task List_shows_what_every_module_registered(string what, string expected)
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "list", what);

        result.ExitCode.Should().Be(0, result.Because);
        result.StdoutLines.Should().Contain(line => line.Contains(expected, StringComparison.Ordinal), result.Because);
    }

    [Fact]
    public async Task List_refuses_an_unknown_section()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "list", "widgets");

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().Contain("widgets");
    }

    [Fact]
    public async Task Check_passes_for_the_arithmetic_environment()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "check", "tool-use/arithmetic-v0", "--seeds", "3");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("checks passed", result.Because).And.NotContain("FAIL");
        result.Stderr.Should().BeEmpty();
    }

    [Fact]
    public async Task Root_help_exits_0_and_lists_the_commands()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "--help");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("run").And.Contain("list").And.Contain("check").And.Contain("validate").And.Contain("score");
        result.Stderr.Should().BeEmpty();
    }

    [Fact]
    public async Task Root_help_gives_each_command_a_usage_line_with_its_most_used_options()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "--help");

        result.ExitCode.Should().Be(0, result.Because);
        var lines = result.StdoutLines;
        foreach (var command in new[] { "run", "list", "check", "validate", "score", "sft", "train", "serve", "serve-policy" })
        {
            lines.Should().Contain(l => l.TrimStart().StartsWith($"gym {command} ", StringComparison.Ordinal) || l.Trim() == $"gym {command}", $"gym {command} has a usage line\n{result.Because}");
        }

        lines.Should().Contain(l => l.Contains("gym run <", StringComparison.Ordinal) && l.Contains("[--episodes ", StringComparison.Ordinal) && l.Contains("[--policy ", StringComparison.Ordinal) && l.Contains("[--out ", StringComparison.Ordinal));
        lines.Should().Contain(l => l.Contains("gym sft ", StringComparison.Ordinal) && l.Contains("[--quick]", StringComparison.Ordinal));
        lines.Should().Contain(l => l.Contains("gym score ", StringComparison.Ordinal) && l.Contains("[--scenario ", StringComparison.Ordinal));
        result.Stdout.Should().Contain("gym COMMAND --help");
        result.Stderr.Should().BeEmpty();
    }

    [Fact]
    public async Task Run_help_exits_0_and_mentions_every_option()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", "--help");

        result.ExitCode.Should().Be(0, result.Because);
        foreach (var option in new[] { "<env-id|scenario.yaml>", "--episodes", "--concurrency", "--seed", "--policy", "--out", "--param", "--timings", "--no-progress", "--max-batch-size", "--memory", "full|mem1|window:K|strip-think", "--tokenizer", "--group-size" })
        {
            result.Stdout.Should().Contain(option, result.Because);
        }

        result.Stderr.Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("help runs nothing");
    }

    [Fact]
    public async Task Score_help_exits_0_and_mentions_every_option()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "score", "--help");

        result.ExitCode.Should().Be(0, result.Because);
        foreach (var option in new[] { "<rollouts.jsonl>", "--scenario", "--out", "--param", "--no-progress", "without re-running" })
        {
            result.Stdout.Should().Contain(option, result.Because);
        }

        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("help runs nothing");
    }
}
