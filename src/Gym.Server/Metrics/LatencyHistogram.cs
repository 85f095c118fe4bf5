using System.Diagnostics;

namespace Gym.Server.Metrics;

/// <summary>
/// A lock-free latency histogram with fixed bucket bounds in seconds, in Prometheus's cumulative
/// form when read. Recording is a few interlocked increments, so every step can be recorded.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets, in seconds (the +Inf bucket is implied).</summary>
    public static IReadOnlyList<double> Bounds { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _counts = new long[Bounds.Count + 1];
    private long _sumTicks;

    /// <summary>Records one duration given in <see cref="Stopwatch"/> ticks.</summary>
    public void Record(long stopwatchTicks)
    {
        var seconds = stopwatchTicks / (double)Stopwatch.Frequency;
        var bucket = 0;
        while (bucket < Bounds.Count && seconds > Bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumTicks, stopwatchTicks);
    }

    /// <summary>The number of recorded durations.</summary>
    public long Count
    {
        get
        {
            long total = 0;
            foreach (ref var count in _counts.AsSpan())
            {
                total += Volatile.Read(ref count);
            }

            return total;
        }
    }

    /// <summary>The sum of the recorded durations, in seconds.</summary>
    public double SumSeconds => Interlocked.Read(ref _sumTicks) / (double)Stopwatch.Frequency;

    /// <summary>Cumulative counts per bound (the last entry is +Inf, equal to <see cref="Count"/> at that moment).</summary>
    public long[] CumulativeCounts()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Volatile.Read(ref _counts[i]);
            cumulative[i] = running;
        }

        return cumulative;
    }
}
