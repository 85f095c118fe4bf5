using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>GYM_TRACE_STARTUP=1</c>: one stderr line per start-up phase of <c>gym run</c>, in order, and nothing without it.</summary>
public sealed partial class StartupTraceTests
{
    private static readonly string[] Args = ["run", "tool-use/arithmetic-v0", "--episodes", "2", "--no-progress", "--out", "rollouts.jsonl"];

    [Fact]
    public async Task The_trace_names_each_phase_once_in_order_with_growing_times()
    {
        using var dir = new TempDirectory();

        var traced = await GymProcess.RunAsync(dir.Path, new Dictionary<string, string> { ["GYM_TRACE_STARTUP"] = "1" }, Args);

        traced.ExitCode.Should().Be(0, traced.Because);
        var lines = traced.StderrLines.Select(l => TraceLine().Match(l)).Where(m => m.Success).ToList();
        lines.Select(m => m.Groups["phase"].Value).Should().ContainInOrder(
            "main entered",
            "commands built",
            "command line parsed",
            "environment resolved",
            "plan validated (tokenizer loaded)",
            "actor system started",
            "first episode started",
            "first episode finished",
            "rollout completed (every line handed to the sink)",
            "output file complete",
            "episodes finished",
            "exit");
        lines.Select(m => m.Groups["phase"].Value).Should().ContainSingle(p => p == "first episode finished", "later episodes are not start-up");
        lines.Select(m => m.Groups["phase"].Value).Should().Contain("tokenizer ready (o200k)");
        var walls = lines.Select(m => int.Parse(m.Groups["wall"].Value, CultureInfo.InvariantCulture)).ToList();
        walls.Should().BeInAscendingOrder("each phase is marked after the one before it");
        traced.StderrLines.Should().OnlyContain(l => l.StartsWith("[startup]", StringComparison.Ordinal), "the trace adds lines to stderr and nothing else");
    }

    [Fact]
    public async Task Without_the_variable_nothing_is_traced()
    {
        using var dir = new TempDirectory();

        var plain = await GymProcess.RunAsync(dir.Path, Args);

        plain.ExitCode.Should().Be(0, plain.Because);
        plain.Stderr.Should().NotContain("[startup]");
    }

    [GeneratedRegex(@"^\[startup\]\s+(?<wall>\d+) ms wall\s+(?<cpu>\d+) ms cpu  (?<phase>.+)$")]
    private static partial Regex TraceLine();
}
