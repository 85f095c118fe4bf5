using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Trajectories.TrajectoryTestData;

namespace Gym.Core.Tests.Trajectories;

public sealed class InMemoryTrajectorySinkTests
{
    [Fact]
    public async Task Concurrent_writes_are_all_kept_and_snapshot_in_episode_order()
    {
        var records = CompletedRange(400);
        await using var sink = new InMemoryTrajectorySink();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = records.Count - 1 - w; i >= 0; i -= 8)
            {
                await sink.WriteAsync(records[i], CancellationToken.None);
            }
        })));
        await sink.CompleteAsync(CancellationToken.None);

        sink.Count.Should().Be(400);
        sink.IsCompleted.Should().BeTrue();
        sink.Snapshot().Select(r => r.Episode).Should().Equal(Enumerable.Range(0, 400).Select(i => (long)i));
    }

    [Fact]
    public async Task Duplicates_and_late_writes_are_refused()
    {
        var sink = new InMemoryTrajectorySink();
        await sink.WriteAsync(Completed(0), CancellationToken.None);
        var duplicate = () => sink.WriteAsync(Completed(0), CancellationToken.None).AsTask();
        await duplicate.Should().ThrowAsync<ArgumentException>();

        await sink.CompleteAsync(CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);
        var late = () => sink.WriteAsync(Completed(1), CancellationToken.None).AsTask();
        await late.Should().ThrowAsync<InvalidOperationException>();
        sink.Count.Should().Be(1);
    }
}
