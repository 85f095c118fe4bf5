using System.Text.Json.Serialization;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Trajectories;

/// <summary>How an episode ended from the runtime's point of view.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EpisodeStatus>))]
public enum EpisodeStatus
{
    /// <summary>The episode terminated or was truncated normally.</summary>
    Completed,
    /// <summary>The environment or policy threw; the trajectory is partial.</summary>
    Failed,
    /// <summary>The run stopped before the episode ended; the trajectory is partial.</summary>
    Cancelled,
}

/// <summary>One played turn: the action, what the environment answered, and the reward breakdown.</summary>
/// <param name="Turn">Zero-based turn index.</param>
/// <param name="Action">The action exactly as the policy produced it (token ids and log-probs included).</param>
/// <param name="Observation">The new messages the environment returned (the observation delta).</param>
/// <param name="ToolCalls">Tool calls made this turn with their results.</param>
/// <param name="Reward">The scalar reward of this turn.</param>
/// <param name="Breakdown">The named components of <paramref name="Reward"/>.</param>
/// <param name="Terminated">Whether this turn ended the episode in a terminal state.</param>
/// <param name="Truncated">Whether this turn hit the turn limit.</param>
/// <param name="StopReason">Why the episode stopped at this turn, or none.</param>
/// <param name="FormatError">Why the action was malformed, if it was.</param>
/// <param name="Info">The step's info.</param>
/// <param name="Context">
/// Where each message the policy saw when it chose this turn's action came from, in context order:
/// with the prompt and earlier turns, enough to rebuild that context exactly (<see cref="ContextRebuilder"/>).
/// </param>
/// <param name="ContextTokens">The tokens of that context, as counted by the run's <see cref="ITokenCounter"/>.</param>
public sealed record TurnRecord(
    int Turn,
    AgentAction Action,
    IReadOnlyList<ChatMessage> Observation,
    IReadOnlyList<ToolInvocation> ToolCalls,
    double Reward,
    RewardBreakdown Breakdown,
    bool Terminated,
    bool Truncated,
    StopReason StopReason,
    string? FormatError,
    StepInfo Info,
    IReadOnlyList<ContextSegment>? Context = null,
    // Written after Context, which the body redeclares and would otherwise come last.
    [property: JsonPropertyOrder(1)] int ContextTokens = 0)
{
    /// <summary>The origin of each message of the context this turn's action was chosen from (empty when not recorded).</summary>
    public IReadOnlyList<ContextSegment> Context { get; init; } = Context ?? [];
}

/// <summary>Wall-clock timings of an episode, recorded only on request because they break byte-identical reruns.</summary>
/// <param name="WallMs">From reset to the last step.</param>
/// <param name="PolicyMs">Time spent waiting for actions.</param>
/// <param name="EnvironmentMs">Time spent in reset and step.</param>
public sealed record EpisodeTimings(double WallMs, double PolicyMs, double EnvironmentMs);

/// <summary>A finished (or failed, or cancelled) episode: one JSON line in a rollout file.</summary>
/// <param name="Episode">The episode's index within the run.</param>
/// <param name="EnvironmentId">The environment id.</param>
/// <param name="Seed">The episode seed.</param>
/// <param name="PolicyId">The policy that acted.</param>
/// <param name="Status">Completed, failed or cancelled.</param>
/// <param name="StopReason">Why it stopped.</param>
/// <param name="Terminated">Whether the last turn terminated.</param>
/// <param name="Truncated">Whether the last turn truncated.</param>
/// <param name="Success">Whether the final step reported success.</param>
/// <param name="TotalReward">Sum of turn rewards.</param>
/// <param name="Prompt">The reset observation.</param>
/// <param name="ResetInfo">The reset info.</param>
/// <param name="Turns">Every played turn.</param>
/// <param name="Error">For failed episodes, what went wrong.</param>
/// <param name="Timings">Wall-clock timings, when requested.</param>
public sealed record EpisodeRecord(
    long Episode,
    string EnvironmentId,
    long Seed,
    string PolicyId,
    EpisodeStatus Status,
    StopReason StopReason,
    bool Terminated,
    bool Truncated,
    bool Success,
    double TotalReward,
    IReadOnlyList<ChatMessage> Prompt,
    StepInfo ResetInfo,
    IReadOnlyList<TurnRecord> Turns,
    string? Error = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EpisodeTimings? Timings = null)
{
    /// <summary>Total of each reward component over the episode, by component name in first-seen order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> ComponentTotals()
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var term in Turns.SelectMany(t => t.Breakdown.Terms))
        {
            if (!totals.ContainsKey(term.Name))
            {
                order.Add(term.Name);
                totals[term.Name] = 0;
            }

            totals[term.Name] += term.Value;
        }

        return [.. order.Select(name => KeyValuePair.Create(name, totals[name]))];
    }

    /// <summary>The largest context any turn was chosen from, in tokens; 0 without turns.</summary>
    /// <remarks>Derived from <see cref="Turns"/>: written to rollout files for readers, ignored when read back.</remarks>
    public int PeakContextTokens
    {
        get
        {
            var peak = 0;
            foreach (var turn in Turns)
            {
                peak = Math.Max(peak, turn.ContextTokens);
            }

            return peak;
        }
    }

    /// <summary>The mean over turns of the context tokens each turn was chosen from; 0 without turns.</summary>
    /// <remarks>Derived from <see cref="Turns"/>: written to rollout files for readers, ignored when read back.</remarks>
    public double MeanContextTokens
    {
        get
        {
            if (Turns.Count == 0)
            {
                return 0;
            }

            long sum = 0;
            foreach (var turn in Turns)
            {
                sum += turn.ContextTokens;
            }

            return (double)sum / Turns.Count;
        }
    }
}
