namespace Gym.Benchmarks;

/// <summary>Progress lines go to stderr so that stdout holds only the results.</summary>
internal static class Progress
{
    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    private static int _failures;

    /// <summary>Failed or missing episodes seen in any measurement; the program exits with 1 when there were any.</summary>
    public static int Failures => Volatile.Read(ref _failures);

    public static void Line(string text) => Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {text}");

    /// <summary>Counts failed episodes and says so at once.</summary>
    public static void Failed(string what, long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _failures, (int)Math.Min(count, int.MaxValue));
            Line($"ERROR: {what}: {count} failed or missing episodes");
        }
    }
}
