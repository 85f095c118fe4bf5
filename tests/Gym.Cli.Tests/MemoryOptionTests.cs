using FluentAssertions;
using Gym.Core.Context;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym run --memory</c> and <c>--tokenizer</c>: recorded contexts and the context-token summary.</summary>
public sealed class MemoryOptionTests
{
    private const string Env = "tool-use/arithmetic-hard-v0";

    [Fact]
    public async Task A_mem1_run_records_mem1_contexts_and_summarizes_their_tokens()
    {
        using var dir = new TempDirectory();

        var mem1 = await GymProcess.RunAsync(dir.Path, "run", Env, "--episodes", "20", "--memory", "mem1", "--no-progress", "--out", "mem1.jsonl");
        var full = await GymProcess.RunAsync(dir.Path, "run", Env, "--episodes", "20", "--tokenizer", "cl100k", "--no-progress", "--out", "full.jsonl");

        mem1.ExitCode.Should().Be(0, mem1.Because);
        full.ExitCode.Should().Be(0, full.Because);
        mem1.Stdout.Should().Contain("context tokens per episode").And.Contain("peak").And.Contain("mean over turns");
        mem1.StdoutLines.Should().Contain(line => line.Contains("memory · tokenizer", StringComparison.Ordinal) && line.Contains("mem1 · o200k", StringComparison.Ordinal), mem1.Because);
        full.StdoutLines.Should().Contain(line => line.Contains("memory · tokenizer", StringComparison.Ordinal) && line.Contains("full · cl100k", StringComparison.Ordinal), full.Because);
        var mem1Records = RolloutFile.Read(dir.File("mem1.jsonl"));
        var fullRecords = RolloutFile.Read(dir.File("full.jsonl"));
        foreach (var record in mem1Records)
        {
            foreach (var turn in record.Turns.Skip(1))
            {
                turn.Context.Where(s => s.Source != ContextSource.Prompt).Select(s => s.Turn).Should().OnlyContain(t => t == turn.Turn - 1, "mem1 shows only the latest turn");
            }

            record.PeakContextTokens.Should().BeGreaterThan(0);
        }

        fullRecords.Max(r => r.PeakContextTokens).Should().BeGreaterThan(mem1Records.Max(r => r.PeakContextTokens));
    }
}
