using System.Diagnostics;
using System.Globalization;

namespace Gym.Core;

/// <summary>
/// An opt-in trace of where a process's start-up goes: with <c>GYM_TRACE_STARTUP=1</c> in the environment,
/// each <see cref="Mark"/> writes one line to standard error with the wall time since the process started
/// and the CPU time the process has used so far, e.g.
/// <c>[startup]   412 ms wall   530 ms cpu  tokenizer ready (o200k)</c>. Without the variable a mark costs
/// one static field read, so marks may stay on hot paths such as an episode's first step.
/// </summary>
public static class StartupTrace
{
    /// <summary>The environment variable that turns the trace on when it is <c>1</c>.</summary>
    public const string Variable = "GYM_TRACE_STARTUP";

    private static readonly bool On = Environment.GetEnvironmentVariable(Variable) == "1";

    // Read once, when the trace is on: the process's start as the kernel recorded it, so the first line
    // also shows what the runtime did before Main (host resolution, assembly loading, the JIT of Main).
    private static readonly DateTime ProcessStart = On ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;

    private static readonly Lock Writing = new();

    private static readonly HashSet<string> Marked = new(StringComparer.Ordinal);

    /// <summary>Whether <c>GYM_TRACE_STARTUP=1</c> was set when the process started.</summary>
    public static bool Enabled => On;

    /// <summary>Writes one trace line for <paramref name="phase"/> when the trace is on; otherwise does nothing.</summary>
    public static void Mark(string phase)
    {
        if (!On)
        {
            return;
        }

        // Timed inside the lock, so that lines from different threads are written in the order of their times.
        lock (Writing)
        {
            var wall = (TimeProvider.System.GetUtcNow().UtcDateTime - ProcessStart).TotalMilliseconds;
            var cpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[startup] {wall,5:F0} ms wall {cpu,5:F0} ms cpu  {phase}"));
        }
    }

    /// <summary>
    /// Like <see cref="Mark"/>, but only the first time <paramref name="phase"/> is marked in the process: for
    /// events that happen many times of which only the first belongs to start-up (an episode's first step).
    /// </summary>
    public static void MarkOnce(string phase)
    {
        if (!On)
        {
            return;
        }

        lock (Writing)
        {
            if (!Marked.Add(phase))
            {
                return;
            }
        }

        Mark(phase);
    }
}
