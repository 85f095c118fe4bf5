using Gym.Core.Trajectories;

namespace Gym.Benchmarks;

/// <summary>A null sink that only counts what it is given: episodes, steps and failures.</summary>
internal sealed class CountingSink : ITrajectorySink
{
    private long _episodes;
    private long _steps;
    private long _failed;

    public long Episodes => Interlocked.Read(ref _episodes);

    public long Steps => Interlocked.Read(ref _steps);

    public long Failed => Interlocked.Read(ref _failed);

    public ValueTask WriteAsync(EpisodeRecord record, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _episodes);
        Interlocked.Add(ref _steps, record.Turns.Count);
        if (record.Status == EpisodeStatus.Failed)
        {
            Interlocked.Increment(ref _failed);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
