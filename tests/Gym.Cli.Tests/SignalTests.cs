using System.Diagnostics;
using System.Text.RegularExpressions;
using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>Ctrl+C (SIGINT) and SIGTERM stop a long run cleanly: exit 130, a valid file, a summary.</summary>
public sealed partial class SignalTests
{
    private const int Concurrency = 64;

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGINT")]
    public async Task A_signal_stops_the_run_with_exit_130_a_valid_file_and_the_summary(string signal)
    {
        if (signal == "SIGINT" && InheritsIgnoredSigint())
        {
            // A process started as a background job of a non-interactive shell inherits SIGINT as
            // ignored, and so does gym, which then rightly ignores Ctrl+C: nothing to test there.
            return;
        }

        using var dir = new TempDirectory();
        var path = dir.File("out.jsonl");
        using var gym = GymProcess.Start(
            dir.Path, "run", "tool-use/arithmetic-hard-v0", "--episodes", "200000", "--concurrency", Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", "out.jsonl");

        await WaitForContentAsync(gym, path, TimeSpan.FromSeconds(20));
        if (signal == "SIGTERM")
        {
            gym.Terminate();
        }
        else
        {
            gym.Interrupt();
        }

        var result = await gym.WaitAsync();

        result.ExitCode.Should().Be(130, result.Because);
        result.Stderr.Should().Contain($"{signal}: stopping", result.Because);
        CliAssertions.AssertNoStackTrace(result);

        var records = RolloutFile.Read(path);
        records.Should().NotBeEmpty();
        records.Should().HaveCountLessThan(200_000, "the run was stopped early");
        records.Should().OnlyContain(r => r.Status == EpisodeStatus.Completed, "cancelled episodes are not written");
        for (var i = 0; i < records.Count; i++)
        {
            records[i].Episode.Should().Be(i, "the file is a contiguous prefix of the run, with no hole (line {0})", i + 1);
        }

        // The summary: totals, reward components, stop reasons, and how the stop went (wrapped at
        // 80 columns when not on a terminal, so read with the line breaks as spaces).
        var summary = Whitespace().Replace(result.Stdout, " ");
        summary.Should().Contain("success rate", result.Because)
            .And.Contain("numeric_match")
            .And.Contain("stop reason")
            .And.Contain("stopped early")
            .And.Contain($"exactly episodes 0–{records.Count - 1} in order, a prefix of the full run");
        var totals = CompletedFailedCancelled().Match(summary);
        totals.Success.Should().BeTrue(result.Because);
        var completed = int.Parse(totals.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var cancelled = int.Parse(totals.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        var wrote = Wrote().Match(summary);
        wrote.Success.Should().BeTrue(result.Because);
        int.Parse(wrote.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().Be(records.Count, "the summary counts exactly the lines in the file");
        var dropped = Dropped().Match(summary) is { Success: true } d ? int.Parse(d.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        completed.Should().Be(records.Count + dropped, "every finished episode is in the file unless it came after the first cancelled one");

        // At most `concurrency` episodes were live, so at most that many were cancelled.
        cancelled.Should().BeLessThanOrEqualTo(Concurrency);
    }

    private static async Task WaitForContentAsync(GymProcess gym, string path, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(path) && new FileInfo(path).Length > 0))
        {
            if (gym.HasExited)
            {
                await gym.FailAsync($"gym ended before writing any episode to {path}");
            }

            if (clock.Elapsed > limit)
            {
                await gym.FailAsync($"no episode reached {path} within {limit.TotalSeconds:0} s");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"completed / failed / cancelled\D+(\d+) / (\d+) / (\d+)")]
    private static partial Regex CompletedFailedCancelled();

    [GeneratedRegex(@"wrote (\d+) episodes")]
    private static partial Regex Wrote();

    [GeneratedRegex(@"and (\d+) that finished after the first cancelled one were dropped")]
    private static partial Regex Dropped();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Whether this process (and so every gym it starts) has SIGINT ignored, as background jobs of a non-interactive shell do.</summary>
    internal static bool InheritsIgnoredSigint()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << 1)) != 0; // bit 1 is signal 2, SIGINT
    }
}
