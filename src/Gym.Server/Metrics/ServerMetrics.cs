using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Gym.Server.Sessions;

namespace Gym.Server.Metrics;

/// <summary>
/// The environment server's counters, written in the Prometheus text exposition format
/// (version 0.0.4) by <see cref="Write"/>. Thread-safe; every update is an interlocked add.
/// </summary>
public sealed class ServerMetrics
{
    private readonly long[] _closed = new long[Enum.GetValues<SessionCloseReason>().Length];
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _created;
    private long _rejected;
    private long _resets;
    private long _steps;
    private long _episodes;

    /// <summary>The step latency: from the request reaching its session to the environment's answer.</summary>
    public LatencyHistogram StepLatency { get; } = new();

    /// <summary>Sessions created.</summary>
    public long SessionsCreated => Interlocked.Read(ref _created);

    /// <summary>Steps taken.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Counts a created session.</summary>
    public void SessionCreated() => Interlocked.Increment(ref _created);

    /// <summary>Counts a session refused because the server was full.</summary>
    public void SessionRejected() => Interlocked.Increment(ref _rejected);

    /// <summary>Counts a closed session.</summary>
    public void SessionClosed(SessionCloseReason reason) => Interlocked.Increment(ref _closed[(int)reason]);

    /// <summary>Counts a reset.</summary>
    public void Reset() => Interlocked.Increment(ref _resets);

    /// <summary>Counts a step and records its latency; <paramref name="endedEpisode"/> counts a finished episode too.</summary>
    public void Step(long stopwatchTicks, bool endedEpisode)
    {
        Interlocked.Increment(ref _steps);
        StepLatency.Record(stopwatchTicks);
        if (endedEpisode)
        {
            Interlocked.Increment(ref _episodes);
        }
    }

    /// <summary>Counts an error answered to a client, by its code.</summary>
    public void Error(string code) => _errors.AddOrUpdate(code, 1, static (_, n) => n + 1);

    /// <summary>Errors answered so far with <paramref name="code"/>.</summary>
    public long Errors(string code) => _errors.TryGetValue(code, out var n) ? n : 0;

    /// <summary>Writes every metric in the Prometheus text format.</summary>
    public void Write(StringBuilder text, int activeSessions, int maxSessions)
    {
        ArgumentNullException.ThrowIfNull(text);
        Gauge(text, "gym_sessions_active", "Sessions open now.", activeSessions);
        Gauge(text, "gym_sessions_max", "The most sessions the server holds at once (--max-sessions).", maxSessions);
        Counter(text, "gym_sessions_created_total", "Sessions opened.", SessionsCreated);
        Counter(text, "gym_sessions_rejected_total", "Sessions refused because the server was full (HTTP 503).", Interlocked.Read(ref _rejected));
        Header(text, "gym_sessions_closed_total", "Sessions closed, by reason.", "counter");
        foreach (var reason in Enum.GetValues<SessionCloseReason>())
        {
            Line(text, "gym_sessions_closed_total", $"reason=\"{SessionCloseReasons.Name(reason)}\"", Interlocked.Read(ref _closed[(int)reason]));
        }

        Counter(text, "gym_resets_total", "Episodes started (resets).", Interlocked.Read(ref _resets));
        Counter(text, "gym_steps_total", "Environment steps.", Steps);
        Counter(text, "gym_episodes_finished_total", "Episodes that terminated or were truncated.", Interlocked.Read(ref _episodes));

        Header(text, "gym_step_latency_seconds", "Time from a step reaching its session to the environment's answer.", "histogram");
        var cumulative = StepLatency.CumulativeCounts();
        for (var i = 0; i < LatencyHistogram.Bounds.Count; i++)
        {
            Line(text, "gym_step_latency_seconds_bucket", $"le=\"{Format(LatencyHistogram.Bounds[i])}\"", cumulative[i]);
        }

        Line(text, "gym_step_latency_seconds_bucket", "le=\"+Inf\"", cumulative[^1]);
        text.Append("gym_step_latency_seconds_sum ").Append(Format(StepLatency.SumSeconds)).Append('\n');
        Line(text, "gym_step_latency_seconds_count", null, cumulative[^1]);

        Header(text, "gym_errors_total", "Errors answered to clients, by error code.", "counter");
        foreach (var (code, count) in _errors.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            Line(text, "gym_errors_total", $"code=\"{code}\"", count);
        }
    }

    private static void Gauge(StringBuilder text, string name, string help, long value)
    {
        Header(text, name, help, "gauge");
        Line(text, name, null, value);
    }

    private static void Counter(StringBuilder text, string name, string help, long value)
    {
        Header(text, name, help, "counter");
        Line(text, name, null, value);
    }

    private static void Header(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder text, string name, string? labels, long value)
    {
        text.Append(name);
        if (labels is not null)
        {
            text.Append('{').Append(labels).Append('}');
        }

        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
