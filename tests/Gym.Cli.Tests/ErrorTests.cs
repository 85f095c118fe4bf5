using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>Bad input: exit code 2, one clear <c>error:</c> line, no stack trace, and no output file.</summary>
public sealed class ErrorTests
{
    private const string Env = "tool-use/arithmetic-v0";

    public static TheoryData<string, string[]> BadRuns => new()
    {
        { "--episodes must be a whole number or 'all' (got 'abc')", ["run", Env, "--episodes", "abc"] },
        { "--bogus", ["run", Env, "--bogus"] },
        { "concurrency must be at least 1 (got 0)", ["run", Env, "--concurrency", "0"] },
        { "--episodes must be at least 1 (got '-1')", ["run", Env, "--episodes", "-1"] },
        { "--episodes must be at least 1 (got '0')", ["run", Env, "--episodes", "0"] },
        { "unknown policy 'wizard'", ["run", Env, "--policy", "wizard"] },
        { "--policy expert:RATE needs RATE between 0 and 1 (got '2')", ["run", Env, "--policy", "expert:2"] },
        { "parameter 'digits' must be between 1 and 9 (got 99)", ["run", Env, "--param", "digits=99"] },
        { "unknown parameter 'nope'", ["run", Env, "--param", "nope=1"] },
        { "--param 'digits' must look like key=value", ["run", Env, "--param", "digits"] },
        { "max batch size must be at least 1 (got 0)", ["run", Env, "--max-batch-size", "0"] },
        { "unknown memory mode 'forever': expected full | mem1 | window:K (K >= 1) | strip-think", ["run", Env, "--memory", "forever"] },
        { "memory mode window needs at least 1 turn (got 0)", ["run", Env, "--memory", "window:0"] },
        { "unknown tokenizer 'gpt2'", ["run", Env, "--tokenizer", "gpt2"] },
        { "tokenizer file 'missing.tiktoken' does not exist", ["run", Env, "--tokenizer", "missing.tiktoken"] },
        { "Required argument missing", ["run"] },
    };

    [Fact]
    public async Task An_unknown_environment_id_fails_with_one_line_suggesting_the_nearest_id()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetc-v0", "--out", "out.jsonl");

        CliAssertions.AssertUsageError(result, "unknown environment 'tool-use/arithmetc-v0'");
        result.StderrLines.Should().ContainSingle(result.Because)
            .Which.Should().Contain("did you mean 'tool-use/arithmetic-v0'");
        File.Exists(dir.File("out.jsonl")).Should().BeFalse("nothing is written when the id is unknown");
    }

    [Theory]
    [MemberData(nameof(BadRuns))]
    public async Task Bad_run_options_fail_early_with_one_clear_line(string expected, string[] args)
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, [.. args, "--out", "out.jsonl"]);

        CliAssertions.AssertUsageError(result, expected);
        File.Exists(dir.File("out.jsonl")).Should().BeFalse("the output file is not created when the input is rejected");
        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("a rejected run leaves nothing behind");
    }

    [Fact]
    public async Task An_unwritable_output_path_fails_with_one_line_naming_the_path()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", Env, "--episodes", "5", "--out", "/nonexistent-dir/x.jsonl");

        CliAssertions.AssertUsageError(result, "cannot write rollouts to '/nonexistent-dir/x.jsonl': directory does not exist");
        File.Exists("/nonexistent-dir/x.jsonl").Should().BeFalse();
    }

    [Fact]
    public async Task An_output_path_that_is_a_directory_fails_with_one_line()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("taken"));

        var result = await GymProcess.RunAsync(dir.Path, "run", Env, "--episodes", "5", "--out", "taken");

        CliAssertions.AssertUsageError(result, "it is a directory");
    }

    [Fact]
    public async Task Check_of_an_unknown_id_exits_2_with_a_suggestion()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "check", "nope/x-v0");

        CliAssertions.AssertUsageError(result, "unknown environment 'nope/x-v0'");
        result.Stderr.Should().Contain("did you mean");
    }

    [Fact]
    public async Task Check_with_a_bad_parameter_exits_2()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "check", Env, "--param", "digits=99");

        CliAssertions.AssertUsageError(result, "parameter 'digits' must be between 1 and 9 (got 99)");
    }

    [Fact]
    public async Task An_unknown_command_exits_2()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "fly");

        result.ExitCode.Should().Be(2, result.Because);
        result.StderrLines.Should().Contain(line => line.StartsWith("error:", StringComparison.Ordinal) && line.Contains("'fly'", StringComparison.Ordinal), result.Because);
        CliAssertions.AssertNoStackTrace(result);
        result.Stdout.Should().BeEmpty(result.Because);
    }
}
