using System.Text;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>Cancelling a run drains it and flushes the sink: the rollout file holds exactly the finished episodes, whole.</summary>
public sealed class ShutdownSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    [Fact]
    public async Task Cancelling_a_run_flushes_exactly_the_completed_episodes_as_whole_lines()
    {
        using var temp = new TempDirectory();
        var path = temp.File("rollouts.jsonl");
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 400, Concurrency: 8, Seed: 21);
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfter(10, cts);
        await using var sink = JsonlTrajectorySink.Create(path);

        var result = await rig.Runner.RunAsync(plan, new EchoPolicy(delay: TimeSpan.FromMilliseconds(15)), sink, progress, cts.Token).WaitAsync(TimeSpan.FromSeconds(30));

        result.WasCancelled.Should().BeTrue();
        result.Completion.SinkError.Should().BeNull();
        result.Completion.Failed.Should().Be(0);
        result.Completion.Finished.Should().BeGreaterThanOrEqualTo(10).And.BeLessThan(plan.Episodes);
        result.Completion.Cancelled.Should().BePositive("episodes in flight are cut short");
        result.Summary.Completed.Should().Be(result.Completion.Finished);
        result.Summary.Cancelled.Should().Be(result.Completion.Cancelled);
        result.Summary.Episodes.Should().Be(result.Completion.Finished + result.Completion.Cancelled);

        var records = ReadWholeLines(path);
        records.Should().HaveCount((int)sink.Written);
        (sink.Written + sink.Dropped).Should().Be(result.Completion.Finished, "every completed episode is written unless it finished after the first cancelled one");
        records.Select(r => r.Episode).Should().Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), "the file is a contiguous prefix of the run");
        records.ToList().ForEach(SupervisionSpecs.AssertCompleted);
    }

    [Fact]
    public async Task Cancelling_before_any_episode_ends_leaves_an_empty_valid_file()
    {
        using var temp = new TempDirectory();
        var path = temp.File("empty.jsonl");
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Scripted, TestEnvironments.NoParameters, Episodes: 50, Concurrency: 5, Seed: 22);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await using var sink = JsonlTrajectorySink.Create(path);

        var result = await rig.Runner.RunAsync(plan, new EchoPolicy(delay: TimeSpan.FromSeconds(2)), sink, null, cts.Token).WaitAsync(TimeSpan.FromSeconds(30));

        result.WasCancelled.Should().BeTrue();
        result.Completion.Should().Be(new RolloutCompleted(result.Completion.RunId, 0, 0, 5, null));
        new FileInfo(path).Length.Should().Be(0);
    }

    [Fact]
    public async Task An_uncancelled_run_writes_every_episode_and_completes_the_sink()
    {
        using var temp = new TempDirectory();
        var path = temp.File("all.jsonl");
        var rig = new RuntimeRig(Sys, TestEnvironments.Registry());
        var plan = new RolloutPlan(TestEnvironments.Throwing, TestEnvironments.NoParameters, Episodes: 60, Concurrency: 16, Seed: 23);
        await using var sink = JsonlTrajectorySink.Create(path);

        var result = await rig.Runner.RunAsync(plan, new EchoPolicy(), sink).WaitAsync(TimeSpan.FromSeconds(30));

        result.WasCancelled.Should().BeFalse();
        var failing = SupervisionSpecs.FailingEpisodes(plan);
        result.Completion.Should().Be(new RolloutCompleted(result.Completion.RunId, 60 - failing.Count, failing.Count, 0, null));
        var records = ReadWholeLines(path);
        records.Select(r => r.Episode).Should().Equal(Enumerable.Range(0, 60).Select(i => (long)i));
        records.Where(r => r.Status == EpisodeStatus.Failed).Select(r => r.Episode).Should().BeEquivalentTo(failing);
        result.Summary.Failed.Should().Be(failing.Count);
        await sink.Invoking(s => s.WriteAsync(records[0], CancellationToken.None).AsTask()).Should().ThrowAsync<InvalidOperationException>("the runner completed the sink");
    }

    /// <summary>Reads a rollout file, asserting it ends with a newline and every line is a whole JSON episode.</summary>
    private static List<EpisodeRecord> ReadWholeLines(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length > 0)
        {
            bytes[^1].Should().Be((byte)'\n', "no partial line is left at the end");
        }

        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.Split('\n');
        lines[^1].Should().BeEmpty();
        var records = new List<EpisodeRecord>();
        foreach (var line in lines[..^1])
        {
            using (var document = JsonDocument.Parse(line))
            {
                document.RootElement.ValueKind.Should().Be(JsonValueKind.Object);
            }

            records.Add(TrajectoryJson.Deserialize(line));
        }

        return records;
    }

    /// <summary>Cancels the run, synchronously, once <paramref name="done"/> episodes have ended.</summary>
    private sealed class CancelAfter(int done, CancellationTokenSource cts) : IProgress<RolloutProgress>
    {
        public void Report(RolloutProgress value)
        {
            if (value.Done >= done && !cts.IsCancellationRequested)
            {
                cts.Cancel();
            }
        }
    }
}
