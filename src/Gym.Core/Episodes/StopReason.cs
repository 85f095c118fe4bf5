using System.Text.Json.Serialization;

namespace Gym.Core.Episodes;

/// <summary>Why an episode stopped (or that it has not).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StopReason>))]
public enum StopReason
{
    /// <summary>The episode is still running.</summary>
    None,
    /// <summary>The agent submitted a final answer (terminated).</summary>
    Answered,
    /// <summary>The environment reached a terminal state other than an answer, e.g. a goal or a dead end (terminated).</summary>
    TerminalState,
    /// <summary>The turn limit was reached without a terminal state (truncated).</summary>
    MaxTurns,
    /// <summary>The environment or policy threw; the partial trajectory is kept (runtime only).</summary>
    Error,
    /// <summary>The run was cancelled (Ctrl+C, SIGTERM, shutdown) before the episode ended (runtime only).</summary>
    Cancelled,
}
