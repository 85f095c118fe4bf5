using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Cli.Tests;

/// <summary>
/// Interrupted runs: a stop leaves a prefix of the full run's file, and <c>--resume</c> completes it
/// into exactly the bytes an uninterrupted run writes, for <c>gym run</c> and <c>gym score</c>, after
/// SIGTERM and SIGKILL at seeded random points (and torn last lines).
/// </summary>
public sealed class ResumeTests(ITestOutputHelper output)
{
    private const int Episodes = 600;

    private static readonly string[] RunArgs = ["run", "tool-use/arithmetic-v0", "--episodes", Episodes.ToString(CultureInfo.InvariantCulture), "--concurrency", "16", "--seed", "3", "--policy", "expert:0.2", "--no-progress"];

    [Fact]
    public async Task Interrupted_runs_resume_into_the_bytes_of_an_uninterrupted_run()
    {
        using var dir = new TempDirectory();
        var baseline = await GymProcess.RunAsync(dir.Path, [.. RunArgs, "--out", "full.jsonl"]);
        baseline.ExitCode.Should().Be(0, baseline.Because);
        var full = await File.ReadAllBytesAsync(dir.File("full.jsonl"));
        var random = new Random(15);
        var interrupted = 0;

        for (var trial = 0; trial < 14; trial++)
        {
            var name = $"t{trial}.jsonl";
            var hard = trial % 2 == 1;
            var stopped = await InterruptAsync(dir, [.. RunArgs, "--out", name], dir.File(name), random.Next(1, full.Length * 3 / 4), hard);
            var partial = await File.ReadAllBytesAsync(dir.File(name));
            if (partial.Length < full.Length)
            {
                interrupted++;
            }

            if (!hard)
            {
                stopped.ExitCode.Should().BeOneOf([130, 0], stopped.Because);
                partial.Should().Equal(full.AsSpan(0, partial.Length).ToArray(), $"trial {trial}: after SIGTERM the file is a prefix of the full run's");
                if (stopped.ExitCode == 130)
                {
                    string.Join(' ', stopped.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)).Should().Contain("a prefix of the full run", stopped.Because);
                }
            }
            else if (trial % 4 == 3 && partial.Length < full.Length)
            {
                // A write cut short by the kill: the next line's first half.
                var next = full.AsSpan(partial.Length).IndexOf((byte)'\n');
                await AppendAsync(dir.File(name), full.AsSpan(partial.Length, Math.Max(1, next / 2)).ToArray());
            }

            var resumed = await GymProcess.RunAsync(dir.Path, [.. RunArgs, "--out", name, "--resume"]);
            resumed.ExitCode.Should().Be(0, resumed.Because);
            CliAssertions.AssertNoStackTrace(resumed);
            (await File.ReadAllBytesAsync(dir.File(name))).Should().Equal(full, $"trial {trial} ({(hard ? "SIGKILL" : "SIGTERM")} at {partial.Length} of {full.Length} bytes) + --resume must give the uninterrupted file");
        }

        output.WriteLine($"{interrupted} of 14 runs were stopped before their end");
        interrupted.Should().BeGreaterThanOrEqualTo(4, "most stops land mid-run");
    }

    [Fact]
    public async Task Interrupted_rescoring_resumes_into_the_bytes_of_an_uninterrupted_one()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("shaped.yaml"), """
            id: test/shaped
            task:
              environment: tool-use/arithmetic-v0
            rewards:
              process:
                - {kind: toolrl, weight: 0.05}
                - {kind: turn_cost, weight: 0.01}
              outcome:
                - {kind: numeric_match, weight: 1}
            """);
        var run = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--episodes", "1500", "--concurrency", "16", "--seed", "5", "--policy", "expert:0.2", "--no-progress", "--out", "played.jsonl");
        run.ExitCode.Should().Be(0, run.Because);
        string[] score = ["score", "played.jsonl", "--scenario", "shaped.yaml", "--no-progress"];
        var baseline = await GymProcess.RunAsync(dir.Path, [.. score, "--out", "full.jsonl"]);
        baseline.ExitCode.Should().Be(0, baseline.Because);
        var full = await File.ReadAllBytesAsync(dir.File("full.jsonl"));
        var random = new Random(16);
        var interrupted = 0;

        for (var trial = 0; trial < 6; trial++)
        {
            var name = $"s{trial}.jsonl";
            var hard = trial % 2 == 1;
            await InterruptAsync(dir, [.. score, "--out", name], dir.File(name), random.Next(1, full.Length * 3 / 4), hard);
            var partial = await File.ReadAllBytesAsync(dir.File(name));
            if (partial.Length < full.Length)
            {
                interrupted++;
            }

            partial.Should().Equal(full.AsSpan(0, partial.Length).ToArray(), $"score trial {trial}: what is written is a prefix (a torn last line included)");

            var resumed = await GymProcess.RunAsync(dir.Path, [.. score, "--out", name, "--resume"]);
            resumed.ExitCode.Should().Be(0, resumed.Because);
            (await File.ReadAllBytesAsync(dir.File(name))).Should().Equal(full, $"score trial {trial} ({(hard ? "SIGKILL" : "SIGTERM")} at {partial.Length} of {full.Length} bytes) + --resume must give the uninterrupted file");
        }

        output.WriteLine($"{interrupted} of 6 re-scores were stopped before their end");
        interrupted.Should().BeGreaterThanOrEqualTo(2, "most stops land mid-run");
    }

    [Fact]
    public async Task Resuming_with_other_settings_or_without_a_header_is_a_clear_error_that_leaves_the_file_alone()
    {
        using var dir = new TempDirectory();
        string[] small = ["run", "tool-use/arithmetic-v0", "--episodes", "20", "--seed", "3", "--no-progress"];
        var first = await GymProcess.RunAsync(dir.Path, [.. small, "--out", "a.jsonl"]);
        first.ExitCode.Should().Be(0, first.Because);
        File.Exists(dir.File("a.jsonl.run.json")).Should().BeTrue("a run records its header beside its file");
        var before = await File.ReadAllBytesAsync(dir.File("a.jsonl"));

        var otherSeed = await GymProcess.RunAsync(dir.Path, ["run", "tool-use/arithmetic-v0", "--episodes", "40", "--seed", "4", "--no-progress", "--out", "a.jsonl", "--resume"]);
        var otherEnvironment = await GymProcess.RunAsync(dir.Path, ["run", "tool-use/arithmetic-hard-v0", "--episodes", "40", "--seed", "3", "--no-progress", "--out", "a.jsonl", "--resume"]);
        var otherGroup = await GymProcess.RunAsync(dir.Path, [.. small, "--group-size", "2", "--out", "a.jsonl", "--resume"]);
        File.Copy(dir.File("a.jsonl"), dir.File("bare.jsonl"));
        var headerless = await GymProcess.RunAsync(dir.Path, [.. small, "--out", "bare.jsonl", "--resume"]);
        var fewer = await GymProcess.RunAsync(dir.Path, ["run", "tool-use/arithmetic-v0", "--episodes", "10", "--seed", "3", "--no-progress", "--out", "a.jsonl", "--resume"]);

        otherSeed.ExitCode.Should().Be(2, otherSeed.Because);
        otherSeed.Stderr.Should().Contain("cannot resume a.jsonl").And.Contain("seed: the file has '3', this run has '4'");
        otherEnvironment.ExitCode.Should().Be(2, otherEnvironment.Because);
        otherEnvironment.Stderr.Should().Contain("environment_id: the file has 'tool-use/arithmetic-v0', this run has 'tool-use/arithmetic-hard-v0'");
        otherGroup.ExitCode.Should().Be(2, otherGroup.Because);
        otherGroup.Stderr.Should().Contain("group_size: the file has '1', this run has '2'");
        headerless.ExitCode.Should().Be(2, headerless.Because);
        headerless.Stderr.Should().Contain("it has no run header");
        fewer.ExitCode.Should().Be(2, fewer.Because);
        fewer.Stderr.Should().Contain("already holds 20 episodes, more than the 10 asked for");
        foreach (var result in new[] { otherSeed, otherEnvironment, otherGroup, headerless, fewer })
        {
            result.StderrLines.Should().ContainSingle(result.Because);
            CliAssertions.AssertNoStackTrace(result);
        }

        (await File.ReadAllBytesAsync(dir.File("a.jsonl"))).Should().Equal(before, "a refused resume leaves the file as it was");

        // A file whose lines belong to another run under a matching header (copied over it) is refused too.
        var other = await GymProcess.RunAsync(dir.Path, ["run", "tool-use/arithmetic-v0", "--episodes", "20", "--seed", "9", "--no-progress", "--out", "b.jsonl"]);
        other.ExitCode.Should().Be(0, other.Because);
        File.Copy(dir.File("b.jsonl"), dir.File("a.jsonl"), overwrite: true);
        var swapped = await GymProcess.RunAsync(dir.Path, ["run", "tool-use/arithmetic-v0", "--episodes", "30", "--seed", "3", "--no-progress", "--out", "a.jsonl", "--resume"]);
        swapped.ExitCode.Should().Be(2, swapped.Because);
        swapped.Stderr.Should().Contain("line 1 is not what this run writes there").And.Contain("'seed'");
    }

    /// <summary>Starts <paramref name="args"/>, stops it with SIGTERM or SIGKILL once <paramref name="path"/> has <paramref name="bytes"/> bytes (or it ends first).</summary>
    private static async Task<GymResult> InterruptAsync(TempDirectory dir, string[] args, string path, int bytes, bool hard)
    {
        using var gym = GymProcess.Start(dir.Path, args);
        var clock = Stopwatch.StartNew();
        while (!gym.HasExited && !(File.Exists(path) && new FileInfo(path).Length >= bytes))
        {
            if (clock.Elapsed > GymProcess.DefaultTimeout)
            {
                await gym.FailAsync($"{path} did not reach {bytes} bytes");
            }

            await Task.Delay(2);
        }

        if (!gym.HasExited)
        {
            try
            {
                if (hard)
                {
                    gym.KillHard();
                }
                else
                {
                    gym.Terminate();
                }
            }
            catch (InvalidOperationException)
            {
                // It ended between the check and the signal.
            }
        }

        var result = await gym.WaitAsync();
        CliAssertions.AssertNoStackTrace(result);
        return result;
    }

    private static async Task AppendAsync(string path, byte[] bytes)
    {
        await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        await stream.WriteAsync(bytes);
    }
}
