using System.Globalization;
using System.Text.Json;
using Gym.Core.Seeding;

namespace Gym.Core.Tools;

/// <summary>What happened to one tool call under fault injection.</summary>
public enum ToolFaultKind
{
    /// <summary>The call ran normally.</summary>
    None,
    /// <summary>The call returned an error (<see cref="ToolErrorKind.ToolError"/>, "service temporarily unavailable") without running the tool.</summary>
    Error,
    /// <summary>The call reported a time-out (<see cref="ToolErrorKind.TimedOut"/>) without running the tool or waiting.</summary>
    Timeout,
    /// <summary>The call was delayed by <see cref="ToolFaultSpec.LatencyMs"/>, then ran normally.</summary>
    Latency,
}

/// <summary>
/// Seeded faults on tool calls (<c>with-tool-faults</c>). Each call that reaches a tool (a known
/// name with valid arguments) draws one uniform number from
/// <c>Derive(episode seed, "tool-faults", call index)</c>: below <see cref="ErrorRate"/> it fails,
/// below <see cref="ErrorRate"/> + <see cref="TimeoutRate"/> it times out, below that plus
/// <see cref="LatencyRate"/> it is delayed. The same seed and actions give the same faults.
/// </summary>
/// <param name="ErrorRate">Probability that a call returns an error.</param>
/// <param name="TimeoutRate">Probability that a call reports a time-out.</param>
/// <param name="LatencyRate">Probability that a call is delayed by <paramref name="LatencyMs"/> (real time) and then succeeds.</param>
/// <param name="LatencyMs">The added delay in milliseconds; a delay past the tool timeout makes the call time out for real.</param>
public sealed record ToolFaultSpec(double ErrorRate = 0, double TimeoutRate = 0, double LatencyRate = 0, int LatencyMs = 0)
{
    /// <summary>Whether any fault can happen.</summary>
    public bool IsActive => ErrorRate > 0 || TimeoutRate > 0 || (LatencyRate > 0 && LatencyMs > 0);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range value.</summary>
    public void Validate()
    {
        Rate("tool error rate", ErrorRate);
        Rate("tool time-out rate", TimeoutRate);
        Rate("tool latency rate", LatencyRate);
        if (ErrorRate + TimeoutRate + LatencyRate > 1 + 1e-12)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the tool error, time-out and latency rates must add up to at most 1 (got {ErrorRate + TimeoutRate + LatencyRate})"));
        }

        if (LatencyMs is < 0 or > 600_000)
        {
            throw new ArgumentException($"tool latency must be between 0 and 600000 ms (got {LatencyMs})");
        }
    }

    /// <summary>The fault for call <paramref name="callIndex"/> (0-based) of the episode with <paramref name="episodeSeed"/>.</summary>
    public ToolFaultKind Decide(long episodeSeed, long callIndex)
    {
        var draw = SeededRandom.ForStream(episodeSeed, "tool-faults", callIndex).NextDouble();
        return draw < ErrorRate ? ToolFaultKind.Error
            : draw < ErrorRate + TimeoutRate ? ToolFaultKind.Timeout
            : draw < ErrorRate + TimeoutRate + LatencyRate && LatencyMs > 0 ? ToolFaultKind.Latency
            : ToolFaultKind.None;
    }

    private static void Rate(string name, double value)
    {
        if (!double.IsFinite(value) || value < 0 || value > 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the {name} must be between 0 and 1 (got {value})"));
        }
    }
}

/// <summary>One injected fault.</summary>
/// <param name="CallIndex">The 0-based index of the call in the episode.</param>
/// <param name="Tool">The tool called.</param>
/// <param name="Kind">What was injected.</param>
public sealed record InjectedToolFault(long CallIndex, string Tool, ToolFaultKind Kind);

/// <summary>
/// Applies a <see cref="ToolFaultSpec"/> to one episode: wraps the episode's tools so that each
/// call consults the seeded decision for its index. One instance per episode; <see cref="Episodes.ToolEnvironment"/>
/// makes one at every reset when <see cref="Episodes.ToolEnvironmentSettings.Faults"/> is set.
/// </summary>
public sealed class ToolFaultInjector
{
    /// <summary>The error text of an injected failure.</summary>
    public const string UnavailableMessage = "service temporarily unavailable";

    private readonly List<InjectedToolFault> _injected = [];
    private readonly Lock _gate = new();
    private long _calls;

    /// <summary>Creates the injector for the episode with <paramref name="episodeSeed"/>.</summary>
    /// <param name="spec">The fault rates.</param>
    /// <param name="episodeSeed">The episode seed the decisions derive from.</param>
    /// <param name="timeout">The tool timeout reported by simulated time-outs.</param>
    public ToolFaultInjector(ToolFaultSpec spec, long episodeSeed, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Spec = spec;
        EpisodeSeed = episodeSeed;
        Timeout = timeout;
    }

    /// <summary>The fault rates.</summary>
    public ToolFaultSpec Spec { get; }

    /// <summary>The episode seed.</summary>
    public long EpisodeSeed { get; }

    /// <summary>The timeout named in simulated time-out messages.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Calls that reached a wrapped tool so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>The faults injected so far, in call order (calls without a fault are not listed).</summary>
    public IReadOnlyList<InjectedToolFault> Injected
    {
        get
        {
            lock (_gate)
            {
                return [.. _injected];
            }
        }
    }

    /// <summary>Wraps each tool so its calls go through this injector; names, schemas and descriptions are unchanged.</summary>
    public IReadOnlyList<ITool> Wrap(IReadOnlyList<ITool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return [.. tools.Select(t => (ITool)new FaultyTool(t, this))];
    }

    private ToolFaultKind Next(string tool)
    {
        var index = Interlocked.Increment(ref _calls) - 1;
        var kind = Spec.Decide(EpisodeSeed, index);
        if (kind != ToolFaultKind.None)
        {
            lock (_gate)
            {
                _injected.Add(new InjectedToolFault(index, tool, kind));
            }
        }

        return kind;
    }

    private sealed class FaultyTool(ITool inner, ToolFaultInjector injector) : ITool
    {
        public string Name => inner.Name;

        public string Description => inner.Description;

        public JsonElement ParametersSchema => inner.ParametersSchema;

        public bool RunsInline => inner.RunsInline;

        public async ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
        {
            switch (injector.Next(inner.Name))
            {
                case ToolFaultKind.Error:
                    return new ToolResult(UnavailableMessage, ToolErrorKind.ToolError);
                case ToolFaultKind.Timeout:
                    // Report the time-out the toolbox would report, without spending the time: rollouts stay fast.
                    return new ToolResult(string.Create(CultureInfo.InvariantCulture, $"tool '{inner.Name}' timed out after {injector.Timeout.TotalMilliseconds:0} ms"), ToolErrorKind.TimedOut);
                case ToolFaultKind.Latency:
                    // The toolbox's deadline token cancels this delay, so a latency past the timeout becomes a real time-out.
                    await Task.Delay(TimeSpan.FromMilliseconds(injector.Spec.LatencyMs), cancellationToken).ConfigureAwait(false);
                    break;
            }

            return await inner.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
    }
}
