using System.Text;
using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Trajectories.TrajectoryTestData;

namespace Gym.Core.Tests.Trajectories;

public sealed class JsonlTrajectorySinkTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Out_of_order_writes_produce_a_file_in_ascending_episode_order()
    {
        var records = CompletedRange(5);
        var path = _temp.File("rollouts.jsonl");
        await using (var sink = JsonlTrajectorySink.Create(path))
        {
            foreach (var index in new[] { 4, 2, 0, 3, 1 })
            {
                await sink.WriteAsync(records[index], CancellationToken.None);
            }

            await sink.CompleteAsync(CancellationToken.None);
            sink.Written.Should().Be(5);
        }

        var lines = await File.ReadAllLinesAsync(path);
        lines.Select(l => TrajectoryJson.Deserialize(l).Episode).Should().Equal(0, 1, 2, 3, 4);
        lines.Should().Equal(records.Select(TrajectoryJson.Serialize));
    }

    [Fact]
    public async Task Every_line_parses_back_to_the_same_episode()
    {
        var records = CompletedRange(3);
        var path = _temp.File("rollouts.jsonl");
        await using (var sink = JsonlTrajectorySink.Create(path))
        {
            foreach (var record in records)
            {
                await sink.WriteAsync(record, CancellationToken.None);
            }

            await sink.CompleteAsync(CancellationToken.None);
        }

        var lines = await File.ReadAllLinesAsync(path);
        lines.Should().HaveCount(3);
        for (var i = 0; i < lines.Length; i++)
        {
            var parsed = TrajectoryJson.Deserialize(lines[i]);
            parsed.Episode.Should().Be(i);
            parsed.Turns.Should().HaveCount(2);
            parsed.Turns[0].Action.TokenIds.Should().Equal(1, 2, 3);
            TrajectoryJson.Serialize(parsed).Should().Be(lines[i]);
        }
    }

    [Fact]
    public async Task Episodes_after_one_that_never_came_are_dropped_so_the_file_is_a_contiguous_prefix()
    {
        var records = CompletedRange(6);
        var path = _temp.File("rollouts.jsonl");
        await using (var sink = JsonlTrajectorySink.Create(path))
        {
            // Episodes 1 and 4 never arrive, as after Ctrl+C.
            foreach (var index in new[] { 5, 2, 0, 3 })
            {
                await sink.WriteAsync(records[index], CancellationToken.None);
            }

            await sink.CompleteAsync(CancellationToken.None);
            sink.Written.Should().Be(1);
            sink.Dropped.Should().Be(3, "2, 3 and 5 come after the missing 1");
        }

        (await File.ReadAllTextAsync(path)).Should().Be(Line(records[0]));
    }

    [Fact]
    public async Task Continue_cuts_a_torn_last_line_and_appends_from_the_next_episode()
    {
        var records = CompletedRange(5);
        var path = _temp.File("rollouts.jsonl");
        var whole = Line(records[0]) + Line(records[1]);
        await File.WriteAllTextAsync(path, whole + Line(records[2])[..10]);
        var tail = RolloutFileTail.Inspect(path);
        tail.Lines.Should().Be(2);
        tail.WholeBytes.Should().Be(Encoding.UTF8.GetByteCount(whole));
        tail.TornBytes.Should().Be(10);
        tail.FirstLine.Should().Be(Line(records[0]).TrimEnd('\n'));
        tail.LastLine.Should().Be(Line(records[1]).TrimEnd('\n'));

        await using (var sink = JsonlTrajectorySink.Continue(path, tail.Lines, tail.WholeBytes))
        {
            foreach (var index in new[] { 4, 2, 3 })
            {
                await sink.WriteAsync(records[index], CancellationToken.None);
            }

            await sink.CompleteAsync(CancellationToken.None);
            sink.Written.Should().Be(3);
        }

        (await File.ReadAllTextAsync(path)).Should().Be(string.Concat(records.Select(Line)));
    }

    [Fact]
    public void Continue_refuses_a_file_shorter_than_the_bytes_to_keep()
    {
        var path = _temp.File("short.jsonl");
        File.WriteAllText(path, "{}\n");
        var act = () => JsonlTrajectorySink.Continue(path, 1, 100);
        act.Should().Throw<TrajectorySinkException>().WithMessage("*shorter than the 100 bytes to keep*");
        File.ReadAllText(path).Should().Be("{}\n", "nothing was cut");
    }

    [Fact]
    public void A_file_without_a_newline_is_all_torn_and_an_empty_one_has_nothing()
    {
        var torn = _temp.File("torn.jsonl");
        File.WriteAllText(torn, "{\"episode\": 0");
        RolloutFileTail.Inspect(torn).Should().Be(new RolloutFileTail(0, 0, 13, null, null));
        var empty = _temp.File("empty.jsonl");
        File.WriteAllText(empty, "");
        RolloutFileTail.Inspect(empty).Should().Be(new RolloutFileTail(0, 0, 0, null, null));
    }

    [Fact]
    public async Task Lines_start_at_the_configured_first_episode()
    {
        var records = Enumerable.Range(10, 3).Select(i => Completed(i)).ToArray();
        var path = _temp.File("rollouts.jsonl");
        await using var sink = JsonlTrajectorySink.Create(path, firstEpisode: 10);
        await sink.WriteAsync(records[1], CancellationToken.None);
        await sink.WriteAsync(records[0], CancellationToken.None);

        // 10 and 11 are contiguous from the first episode, so they reach the file before completion.
        await WaitUntilAsync(() => sink.Written == 2);
        (await ReadSharedAsync(path)).Should().Be(Line(records[0]) + Line(records[1]));

        var early = () => sink.WriteAsync(Completed(9), CancellationToken.None).AsTask();
        await early.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await sink.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_same_records_written_in_different_orders_and_threads_give_byte_identical_files()
    {
        var records = CompletedRange(300);
        var first = _temp.File("a.jsonl");
        var second = _temp.File("b.jsonl");

        await WriteConcurrentlyAsync(first, records, writers: 4, shuffleSeed: 1);
        await WriteConcurrentlyAsync(second, records, writers: 7, shuffleSeed: 2);

        var a = await File.ReadAllBytesAsync(first);
        var b = await File.ReadAllBytesAsync(second);
        a.Should().Equal(b);
        // UTF-8 without BOM, one line per episode in episode order.
        a.Should().Equal(Encoding.UTF8.GetBytes(string.Concat(records.Select(Line))));
        a[0].Should().Be((byte)'{');
    }

    [Fact]
    public async Task Capacity_one_under_eight_concurrent_writers_loses_nothing()
    {
        var records = CompletedRange(8 * 500);
        var path = _temp.File("rollouts.jsonl");
        await using (var sink = JsonlTrajectorySink.Create(path, capacity: 1))
        {
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                // Writer w owns episodes w, w+8, ...: interleaved, so the reorder buffer is exercised.
                for (var i = w; i < records.Count; i += 8)
                {
                    await sink.WriteAsync(records[i], CancellationToken.None);
                }
            }));
            await Task.WhenAll(writers);
            await sink.CompleteAsync(CancellationToken.None);
            sink.Written.Should().Be(4000);
        }

        var episodes = (await File.ReadAllLinesAsync(path)).Select(l => TrajectoryJson.Deserialize(l).Episode);
        episodes.Should().Equal(Enumerable.Range(0, 4000).Select(i => (long)i));
    }

    [Fact]
    public async Task Finished_episodes_reach_the_file_before_completion()
    {
        var records = CompletedRange(3);
        var path = _temp.File("rollouts.jsonl");
        await using var sink = JsonlTrajectorySink.Create(path);
        await sink.WriteAsync(records[0], CancellationToken.None);
        await sink.WriteAsync(records[2], CancellationToken.None);

        // A kill now must leave episode 0 on disk, whole; episode 2 waits for episode 1.
        await WaitUntilAsync(() => sink.Written == 1);
        (await ReadSharedAsync(path)).Should().Be(Line(records[0]));

        await sink.CompleteAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_file_is_created_and_truncated_at_creation()
    {
        var path = _temp.File("rollouts.jsonl");
        await File.WriteAllTextAsync(path, "stale content from an earlier run\n");
        await using var sink = JsonlTrajectorySink.Create(path);
        new FileInfo(path).Length.Should().Be(0);
        await sink.CompleteAsync(CancellationToken.None);
        new FileInfo(path).Length.Should().Be(0);
    }

    [Fact]
    public void A_missing_directory_fails_at_creation_with_the_path()
    {
        var path = Path.Combine(_temp.Path, "no-such-dir", "rollouts.jsonl");
        var create = () => JsonlTrajectorySink.Create(path);
        var error = create.Should().Throw<TrajectorySinkException>().Which;
        error.Message.Should().Be($"cannot write rollouts to '{path}': directory does not exist");
        error.Path.Should().Be(path);
        error.Should().BeAssignableTo<IOException>();
    }

    [Fact]
    public void A_path_that_is_a_directory_fails_at_creation()
    {
        var create = () => JsonlTrajectorySink.Create(_temp.Path);
        create.Should().Throw<TrajectorySinkException>().WithMessage($"cannot write rollouts to '{_temp.Path}'*");
    }

    [Fact]
    public async Task A_write_error_surfaces_from_the_next_call_with_the_path()
    {
        // /dev/full fails every write with ENOSPC: a disk that is full from the first byte.
        if (!File.Exists("/dev/full"))
        {
            return;
        }

        var sink = JsonlTrajectorySink.Create("/dev/full", capacity: 1);
        TrajectorySinkException? surfaced = null;
        for (var episode = 0; episode < 500 && surfaced is null; episode++)
        {
            try
            {
                await sink.WriteAsync(Completed(episode), CancellationToken.None);
                await Task.Delay(10);
            }
            catch (TrajectorySinkException ex)
            {
                surfaced = ex;
            }
        }

        surfaced.Should().NotBeNull("a failed write must surface from a later WriteAsync");
        surfaced!.Message.Should().StartWith("cannot write rollouts to '/dev/full': ");
        surfaced.InnerException.Should().BeAssignableTo<IOException>();

        var complete = () => sink.CompleteAsync(CancellationToken.None).AsTask();
        (await complete.Should().ThrowAsync<IOException>()).Which.Message.Should().Contain("'/dev/full'");
        // Idempotent, and the error stays reported.
        await complete.Should().ThrowAsync<TrajectorySinkException>();
        await sink.DisposeAsync();
    }

    [Fact]
    public async Task Complete_is_idempotent_and_refuses_later_writes()
    {
        var path = _temp.File("rollouts.jsonl");
        var sink = JsonlTrajectorySink.Create(path);
        await sink.WriteAsync(Completed(0), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);
        await sink.DisposeAsync();
        await sink.DisposeAsync();

        var late = () => sink.WriteAsync(Completed(1), CancellationToken.None).AsTask();
        await late.Should().ThrowAsync<InvalidOperationException>();
        (await File.ReadAllLinesAsync(path)).Should().HaveCount(1);
    }

    [Fact]
    public async Task Complete_after_cancellation_still_writes_every_accepted_episode()
    {
        var records = CompletedRange(50);
        var path = _temp.File("rollouts.jsonl");
        using var cancellation = new CancellationTokenSource();
        await using (var sink = JsonlTrajectorySink.Create(path))
        {
            foreach (var record in records.Reverse())
            {
                await sink.WriteAsync(record, cancellation.Token);
            }

            await cancellation.CancelAsync();
            var cancelledWrite = () => sink.WriteAsync(Completed(50), cancellation.Token).AsTask();
            await cancelledWrite.Should().ThrowAsync<OperationCanceledException>();

            try
            {
                // The token stops only this wait; the flush runs to the end regardless.
                await sink.CompleteAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
            }

            await sink.CompleteAsync(CancellationToken.None);
            sink.Written.Should().Be(50);
        }

        (await File.ReadAllTextAsync(path)).Should().Be(string.Concat(records.Select(Line)));
    }

    [Fact]
    public async Task A_duplicate_episode_is_reported_not_dropped()
    {
        var path = _temp.File("rollouts.jsonl");
        await using var sink = JsonlTrajectorySink.Create(path);
        await sink.WriteAsync(Completed(0), CancellationToken.None);
        await sink.WriteAsync(Completed(0), CancellationToken.None);
        var complete = () => sink.CompleteAsync(CancellationToken.None).AsTask();
        (await complete.Should().ThrowAsync<TrajectorySinkException>()).Which.Message.Should().Contain("episode 0 was written twice");
    }

    private static async Task WriteConcurrentlyAsync(string path, IReadOnlyList<EpisodeRecord> records, int writers, int shuffleSeed)
    {
        var order = records.ToArray();
        new Random(shuffleSeed).Shuffle(order);
        await using var sink = JsonlTrajectorySink.Create(path, capacity: 8);
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < order.Length; i += writers)
            {
                await sink.WriteAsync(order[i], CancellationToken.None);
                if (i % 13 == 0)
                {
                    await Task.Yield();
                }
            }
        }));
        await Task.WhenAll(tasks);
        await sink.CompleteAsync(CancellationToken.None);
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        condition().Should().BeTrue("the background writer should have caught up within 5 s");
    }
}
