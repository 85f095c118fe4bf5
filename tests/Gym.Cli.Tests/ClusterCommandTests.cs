using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// <c>gym run --cluster</c> and <c>gym worker</c> as real processes on 127.0.0.1: the cluster's file is
/// byte for byte the single process's, also when a worker is killed mid-run or joins late; a worker
/// that cannot reach its head, or runs another Gym version, stops with one error line. Every process
/// is killed on dispose, whatever happens. Waits are on what the processes print, never fixed sleeps.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ClusterCommandTests
{
    private const string Environment = "tool-use/arithmetic-v0";
    private const int Episodes = 2000;

    // A loaded CI machine runs several .NET processes on two cores: be patient.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    // Fault detection fast enough for a test: a killed worker is downed 2 s after it is found unreachable.
    private static readonly Dictionary<string, string> FastDowning = new() { ["GYM_Cluster__StableAfter"] = "2" };

    [Fact]
    public async Task A_head_and_two_workers_write_the_file_one_process_writes()
    {
        using var dir = new TempDirectory();
        var single = await SingleProcessAsync(dir);
        var port = FreePort();

        await using var head = GymProcess.Start(dir.Path, FastDowning, HeadArguments(port, "cluster.jsonl", "--min-workers", "2"));
        await using var first = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await using var second = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");

        var headResult = await head.WaitAsync(RunTimeout);
        headResult.ExitCode.Should().Be(0, headResult.Because);
        headResult.Stderr.Should().Contain("waiting for workers: 0/2 joined").And.Contain("workers: 2/2 joined; starting");
        var firstResult = await first.WaitAsync(TimeSpan.FromMinutes(1));
        var secondResult = await second.WaitAsync(TimeSpan.FromMinutes(1));
        firstResult.ExitCode.Should().Be(0, firstResult.Because);
        secondResult.ExitCode.Should().Be(0, secondResult.Because);
        File.ReadAllBytes(dir.File("cluster.jsonl")).Should().Equal(single, "the cluster must write the single process's file byte for byte");
        (PlayedBy(firstResult) + PlayedBy(secondResult)).Should().BePositive("workers host episodes, not only the head");
    }

    [Fact]
    public async Task A_worker_killed_mid_run_has_its_episodes_replayed_and_the_file_is_unchanged()
    {
        using var dir = new TempDirectory();
        var single = await SingleProcessAsync(dir);
        var port = FreePort();

        await using var head = GymProcess.Start(dir.Path, FastDowning, HeadArguments(port, "cluster.jsonl", "--min-workers", "2", "--no-local-episodes", "--concurrency", "32"));
        await using var victim = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await using var survivor = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await head.WaitForOutputAsync(text => EpisodesDone(text) >= Episodes / 10, "a progress line past 10%", RunTimeout);

        victim.Kill();

        var headResult = await head.WaitAsync(RunTimeout);
        headResult.ExitCode.Should().Be(0, headResult.Because);
        File.ReadAllBytes(dir.File("cluster.jsonl")).Should().Equal(single, "episodes lost with the killed worker are replayed from their seeds");
        var survivorResult = await survivor.WaitAsync(TimeSpan.FromMinutes(1));
        survivorResult.ExitCode.Should().Be(0, survivorResult.Because);
        PlayedBy(survivorResult).Should().BePositive();
    }

    [Fact]
    public async Task A_worker_joining_mid_run_takes_episodes()
    {
        using var dir = new TempDirectory();

        // However fast the machine plays, the run must still be going when the late worker is handed a shard:
        // every episode is in flight at once and each waits at the policy until the late worker has started
        // one. Shards are allocated only for episodes, so every shard rebalancing can hand over carries one.
        const int episodes = 200;
        string[] policy = ["--concurrency", $"{episodes}", "--policy", "openai:scripted"];
        var lateStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var open = await FakeChatServer.StartAsync(ScriptedAnswer);
        await using var gated = await HoldingPolicyAsync(answered: 0, lateStarted.Task);

        var single = await SingleProcessAsync(dir, episodes, [.. policy, "--policy-url", open.BaseUrl.AbsoluteUri]);
        var port = FreePort();

        await using var head = GymProcess.Start(dir.Path, FastDowning, HeadArguments(port, "cluster.jsonl", episodes, [.. policy, "--policy-url", gated.BaseUrl.AbsoluteUri, "--min-workers", "1", "--no-local-episodes"]));
        await using var early = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await head.WaitForOutputAsync(text => text.Contains("workers: 1/1 joined; starting", StringComparison.Ordinal), "that the run starts", RunTimeout);
        await using var late = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await late.WaitForOutputAsync(text => text.Contains("started its first episode", StringComparison.Ordinal), "its first episode, on a shard handed over to it", RunTimeout);
        lateStarted.SetResult();

        var headResult = await head.WaitAsync(RunTimeout);
        headResult.ExitCode.Should().Be(0, headResult.Because);
        var lateResult = await late.WaitAsync(TimeSpan.FromMinutes(1));
        lateResult.ExitCode.Should().Be(0, lateResult.Because);
        PlayedBy(lateResult).Should().BePositive("a node that joins mid-run is handed shards, hence episodes; {0}", lateResult.Because);
        File.ReadAllBytes(dir.File("cluster.jsonl")).Should().Equal(single, "episodes moved with a handed-over shard are replayed from their seeds");
        (await early.WaitAsync(TimeSpan.FromMinutes(1))).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task A_killed_head_leaves_a_prefix_of_the_file_that_resume_in_one_process_completes()
    {
        using var dir = new TempDirectory();

        // The head must still be writing when it is killed, however fast the machine plays: the policy answers
        // the first 200 questions, then holds every later one, so the run stops short of its 400 episodes.
        const int episodes = 400;
        string[] policy = ["--policy", "openai:scripted"];
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var open = await FakeChatServer.StartAsync(ScriptedAnswer);
        await using var stalling = await HoldingPolicyAsync(answered: 200, held.Task);

        var single = await SingleProcessAsync(dir, episodes, [.. policy, "--policy-url", open.BaseUrl.AbsoluteUri]);
        var port = FreePort();

        await using var head = GymProcess.Start(dir.Path, FastDowning, HeadArguments(port, "cluster.jsonl", episodes, [.. policy, "--policy-url", stalling.BaseUrl.AbsoluteUri, "--min-workers", "2"]));
        await using var first = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await using var second = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await head.WaitForOutputAsync(text => EpisodesDone(text) >= episodes / 10, "a progress line past 10%", RunTimeout);

        head.KillHard();
        held.SetResult();

        var headResult = await head.WaitAsync(TimeSpan.FromMinutes(1));
        headResult.ExitCode.Should().NotBe(0, "SIGKILL ends the head");
        foreach (var worker in new[] { first, second })
        {
            // The workers find the head unreachable and, on the side without the oldest node, down themselves: no hang.
            var result = await worker.WaitAsync(TimeSpan.FromMinutes(2));
            result.ExitCode.Should().NotBe(0, result.Because);
            result.StderrLines.Should().ContainSingle(result.Because).Which.Should().StartWith($"error: lost the head at 127.0.0.1:{port}");
        }

        var records = RolloutFile.Read(dir.File("cluster.jsonl"));
        var prefix = File.ReadAllBytes(dir.File("cluster.jsonl"));
        records.Count.Should().BeInRange(1, episodes - 1, "the head was killed mid-run, after it had written episodes");
        records.Select(r => r.Episode).Should().Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), "the file holds episodes 0..k-1 in order, with no gap");
        prefix.Should().Equal(single.AsSpan(0, prefix.Length).ToArray(), "the prefix is the one-process file's first lines byte for byte");

        var resumed = await GymProcess.RunAsync(dir.Path, ["run", Environment, "--episodes", $"{episodes}", "--seed", "5", "--out", "cluster.jsonl", "--resume", "--no-progress", .. policy, "--policy-url", open.BaseUrl.AbsoluteUri]);
        resumed.ExitCode.Should().Be(0, resumed.Because);
        CliAssertions.AssertNoStackTrace(resumed);
        File.ReadAllBytes(dir.File("cluster.jsonl")).Should().Equal(single, "--resume in one process completes the killed head's file into the uninterrupted run's bytes");
    }

    [Fact]
    public async Task A_worker_that_cannot_reach_its_head_exits_with_one_error_line()
    {
        using var dir = new TempDirectory();
        var port = FreePort();

        await using var worker = GymProcess.Start(dir.Path, new Dictionary<string, string> { ["GYM_Cluster__JoinTimeout"] = "3" }, "worker", "--join", $"127.0.0.1:{port}");
        var result = await worker.WaitAsync(TimeSpan.FromMinutes(2));

        result.ExitCode.Should().NotBe(0, result.Because);
        result.StderrLines.Should().ContainSingle(result.Because)
            .Which.Should().StartWith($"error: could not join the head at 127.0.0.1:{port} within 3s");
    }

    [Fact]
    public async Task A_worker_of_another_gym_version_is_refused_at_join_with_one_error_line()
    {
        using var dir = new TempDirectory();
        var port = FreePort();
        await using var head = GymProcess.Start(dir.Path, HeadArguments(port, "cluster.jsonl", "--min-workers", "1"));
        await head.WaitForOutputAsync(text => text.Contains("waiting for workers: 0/1 joined", StringComparison.Ordinal), "that it waits for workers", RunTimeout);

        await using var worker = GymProcess.Start(dir.Path, new Dictionary<string, string> { ["GYM_Cluster__Version"] = "0.0.1" }, "worker", "--join", $"127.0.0.1:{port}");
        var result = await worker.WaitAsync(TimeSpan.FromMinutes(2));

        result.ExitCode.Should().NotBe(0, result.Because);
        result.StderrLines.Should().ContainSingle(result.Because)
            .Which.Should().MatchRegex(@"^error: the head at 127\.0\.0\.1:\d+ runs Gym \S+ but this node runs Gym 0\.0\.1: every node of a cluster must run the same Gym version$");
        await head.WaitForOutputAsync(text => text.Contains("refused node 127.0.0.1:", StringComparison.Ordinal), "that it refused the node", RunTimeout);
        head.Output().Should().Contain("waiting for workers: 0/1 joined").And.NotContain("1/1 joined", "a refused node never counts as a worker");
        var stopped = await head.StopAsync(TimeSpan.FromMinutes(1));
        File.Exists(dir.File("cluster.jsonl")).Should().BeTrue(stopped.Because);
    }

    private static string[] HeadArguments(int port, string output, params string[] more) => HeadArguments(port, output, Episodes, more);

    private static string[] HeadArguments(int port, string output, int episodes, params string[] more) =>
        ["run", Environment, "--episodes", $"{episodes}", "--seed", "5", "--out", output, "--cluster", "--port", $"{port}", .. more];

    private static async Task<byte[]> SingleProcessAsync(TempDirectory dir, int episodes = Episodes, params string[] more)
    {
        var result = await GymProcess.RunAsync(dir.Path, ["run", Environment, "--episodes", $"{episodes}", "--seed", "5", "--out", "single.jsonl", "--no-progress", .. more]);
        result.ExitCode.Should().Be(0, result.Because);
        return File.ReadAllBytes(dir.File("single.jsonl"));
    }

    private static int EpisodesDone(string output) =>
        EpisodesLine().Matches(output).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    private static long PlayedBy(GymResult worker) =>
        PlayedLine().Match(worker.Stdout) is { Success: true } match ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    // A scripted model: the same reply to the same question, wherever the episode is played.
    private static ChatReply ScriptedAnswer(ChatRequest request) =>
        ChatReply.Ok(request.IsChat ? $"<answer>{request.LastUser.Length % 97}</answer>" : "");

    // The scripted model, which answers the first `answered` questions at once and holds every later one until `release` completes.
    private static Task<FakeChatServer> HoldingPolicyAsync(int answered, Task release)
    {
        var asked = 0;
        return FakeChatServer.StartAsync(async request =>
        {
            if (request.IsChat && Interlocked.Increment(ref asked) > answered)
            {
                await release;
            }

            return ScriptedAnswer(request);
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"episodes (\d+)/\d+")]
    private static partial Regex EpisodesLine();

    [GeneratedRegex(@"after playing (\d+) episodes")]
    private static partial Regex PlayedLine();
}

/// <summary>The multi-process cluster tests run one at a time: each starts three .NET processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "cluster processes";
}
