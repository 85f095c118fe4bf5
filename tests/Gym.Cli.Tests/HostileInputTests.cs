using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// Hostile scenario files and command lines, through the real CLI: every one ends in located error lines and a
/// non-zero exit, never a stack trace, a hang or a flood of lines.
/// </summary>
public sealed class HostileInputTests
{
    private const string Head = "id: tool-use/hostile\ntask:\n  environment: tool-use/arithmetic-v0\n";

    private static async Task<Dictionary<string, string>> WriteHostileFilesAsync(TempDirectory dir)
    {
        var unknownKeys = new StringBuilder(Head);
        for (var i = 0; i < 5000; i++)
        {
            unknownKeys.Append("unknown_").Append(i).Append(": 1\n");
        }

        var files = new Dictionary<string, string>
        {
            ["brackets.yaml"] = Head + "tools: " + new string('[', 20_000) + new string(']', 20_000) + "\n",
            ["mapping.yaml"] = Head + "tools: " + string.Concat(Enumerable.Repeat("{a: ", 30_000)) + "b" + new string('}', 30_000) + "\n",
            ["zero.yaml"] = "extends: /dev/zero\n" + Head,
            ["fifo.yaml"] = "extends: pipe.yaml\n" + Head,
            ["key.yaml"] = Head + new string('k', 2 * 1024 * 1024) + ": 1\n",
            ["quote.yaml"] = Head + "description: 'never closed\nlimits:\n  max_turns: 3\n",
            ["keys.yaml"] = unknownKeys.ToString(),
            ["description.yaml"] = Head + "description: 42\n",
        };
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(dir.File(name), text);
        }

        await File.WriteAllBytesAsync(dir.File("binary.yaml"), [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00, 0xFF, 0x10]);
        files["binary.yaml"] = "";
        using var mkfifo = Process.Start("mkfifo", dir.File("pipe.yaml"));
        await mkfifo.WaitForExitAsync();
        return files;
    }

    [Fact]
    public async Task Validate_of_hostile_files_prints_located_errors_and_no_stack_trace()
    {
        using var dir = new TempDirectory();
        var files = await WriteHostileFilesAsync(dir);

        var result = await GymProcess.RunAsync(dir.Path, ["validate", .. files.Keys.Order(StringComparer.Ordinal)]);

        result.ExitCode.Should().Be(1, result.Because);
        CliAssertions.AssertNoStackTrace(result);
        result.Stdout.Should().BeEmpty(result.Because);
        var lines = result.StderrLines;
        lines.Should().HaveCountLessThan(130, "errors past 100 per file are counted, not listed; " + result.Because);
        lines.Should().Contain("keys.yaml: … and 4900 more errors", result.Because);
        lines.Should().Contain(line => line.StartsWith("brackets.yaml:4:71: error: lists and mappings nest more than 64 levels deep here", StringComparison.Ordinal), result.Because);
        lines.Should().Contain(line => line.StartsWith("mapping.yaml:4:", StringComparison.Ordinal) && line.Contains("nest more than 64 levels", StringComparison.Ordinal), result.Because);
        lines.Should().Contain("zero.yaml:1:10: error: cannot read base scenario '/dev/zero': it is a device, not a regular file", result.Because);
        lines.Should().Contain("fifo.yaml:1:10: error: cannot read base scenario 'pipe.yaml': it is a named pipe (FIFO), not a regular file", result.Because);
        lines.Should().Contain(line => line.StartsWith("key.yaml:4:1: error: this key is 2097152 characters long", StringComparison.Ordinal), result.Because);
        lines.Should().Contain(line => line.StartsWith("quote.yaml:", StringComparison.Ordinal) && line.Contains("a quoted string is missing its closing quote", StringComparison.Ordinal), result.Because);
        lines.Should().Contain(line => line.StartsWith("binary.yaml:1:", StringComparison.Ordinal) && line.Contains("not a YAML text file", StringComparison.Ordinal), result.Because);
        lines.Should().Contain(line => line.StartsWith("description.yaml:4:14: error: wrong type for description: found the number 42", StringComparison.Ordinal), result.Because);
        lines.Should().NotContain(line => line.Contains("finished episodes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("brackets.yaml")]
    [InlineData("zero.yaml")]
    [InlineData("fifo.yaml")]
    [InlineData("binary.yaml")]
    public async Task Run_of_a_hostile_file_is_a_usage_error_and_writes_nothing(string name)
    {
        using var dir = new TempDirectory();
        await WriteHostileFilesAsync(dir);

        var result = await GymProcess.RunAsync(dir.Path, "run", name, "--out", "out.jsonl");

        result.ExitCode.Should().Be(2, result.Because);
        CliAssertions.AssertNoStackTrace(result);
        result.StderrLines.Should().ContainSingle(result.Because).Which.Should().StartWith($"error: {name}:");
        File.Exists(dir.File("out.jsonl")).Should().BeFalse();
    }

    [Fact]
    public async Task An_unknown_tool_is_reported_at_its_line_and_column()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("tools.yaml"), Head + "tools: [calculator, calculater2]\n");

        var result = await GymProcess.RunAsync(dir.Path, "validate", "tools.yaml");

        result.ExitCode.Should().Be(1, result.Because);
        result.StderrLines.Should().Equal(
            ["tools.yaml:4:21: error: tool 'calculater2' is not offered by this task; did you mean 'calculator'? available: calculator", "1 file checked: 0 valid, 1 error"],
            result.Because);
    }

    [Fact]
    public async Task An_unknown_command_is_one_line_with_a_suggestion()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "valdate", "x.yaml");

        result.ExitCode.Should().Be(2, result.Because);
        result.StderrLines.Should().ContainSingle(result.Because)
            .Which.Should().StartWith("error: unknown command 'valdate'; did you mean 'validate'? commands: run, list,");
        CliAssertions.AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Run_with_zero_episodes_is_refused_and_leaves_the_output_file_alone()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("out.jsonl"), "kept\n");

        var result = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--episodes", "0", "--out", "out.jsonl");

        CliAssertions.AssertUsageError(result, "--episodes must be at least 1 (got '0')");
        (await File.ReadAllTextAsync(dir.File("out.jsonl"))).Should().Be("kept\n");
    }
}
