using System.Diagnostics;

namespace Gym.Benchmarks;

/// <summary>Process-wide costs of one measurement: wall and CPU time, bytes allocated, collections and GC pauses.</summary>
internal readonly record struct Cost(double WallSeconds, double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2, double GcPauseSeconds)
{
    /// <summary>CPU time over wall time: how many cores the process kept busy on average.</summary>
    public double CoresBusy => CpuSeconds / WallSeconds;
}

/// <summary>Starts measuring on creation; <see cref="Stop"/> returns the cost since then.</summary>
internal sealed class Meter
{
    private readonly Stopwatch _clock;
    private readonly TimeSpan _cpu;
    private readonly long _allocated;
    private readonly int _gen0;
    private readonly int _gen1;
    private readonly int _gen2;
    private readonly TimeSpan _pause;

    public Meter()
    {
        using (var process = Process.GetCurrentProcess())
        {
            _cpu = process.TotalProcessorTime;
        }

        _allocated = GC.GetTotalAllocatedBytes(precise: false);
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _pause = GC.GetTotalPauseDuration();
        _clock = Stopwatch.StartNew();
    }

    public Cost Stop()
    {
        _clock.Stop();
        using var process = Process.GetCurrentProcess();
        return new Cost(
            _clock.Elapsed.TotalSeconds,
            (process.TotalProcessorTime - _cpu).TotalSeconds,
            GC.GetTotalAllocatedBytes(precise: false) - _allocated,
            GC.CollectionCount(0) - _gen0,
            GC.CollectionCount(1) - _gen1,
            GC.CollectionCount(2) - _gen2,
            (GC.GetTotalPauseDuration() - _pause).TotalSeconds);
    }
}
