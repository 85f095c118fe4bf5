using Gym.Core.Episodes;

namespace Gym.Core.Trajectories;

/// <summary>
/// Accumulates one episode as it is played, and keeps the conversation the policy sees (the full
/// history). Pure state: the runtime's episode actor and the direct runner both use it.
/// </summary>
public sealed class EpisodeRecorder
{
    private readonly List<TurnRecord> _turns = [];
    private readonly List<ChatMessage> _context = [];
    private IReadOnlyList<ChatMessage> _prompt = [];
    private StepInfo _resetInfo = StepInfo.Empty;

    /// <summary>Starts recording an episode.</summary>
    public EpisodeRecorder(long episode, string environmentId, long seed, string policyId)
    {
        Episode = episode;
        EnvironmentId = environmentId;
        Seed = seed;
        PolicyId = policyId;
    }

    /// <summary>The episode index.</summary>
    public long Episode { get; }

    /// <summary>The environment id.</summary>
    public string EnvironmentId { get; }

    /// <summary>The seed.</summary>
    public long Seed { get; }

    /// <summary>The policy id.</summary>
    public string PolicyId { get; }

    /// <summary>Turns recorded so far.</summary>
    public int TurnCount => _turns.Count;

    /// <summary>Whether the last recorded step ended the episode.</summary>
    public bool IsDone => _turns.Count > 0 && (_turns[^1].Terminated || _turns[^1].Truncated);

    /// <summary>What the policy sees next turn: every message so far, its own actions included.</summary>
    public IReadOnlyList<ChatMessage> Context => _context;

    /// <summary>Records the reset.</summary>
    public void Reset(ResetResult reset)
    {
        ArgumentNullException.ThrowIfNull(reset);
        _prompt = reset.Observation;
        _resetInfo = reset.Info;
        _turns.Clear();
        _context.Clear();
        _context.AddRange(reset.Observation);
    }

    /// <summary>Records one step.</summary>
    public void Step(AgentAction action, StepResult step)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(step);
        _turns.Add(new TurnRecord(
            _turns.Count, action, step.Observation, step.ToolCalls, step.Reward, step.Breakdown,
            step.Terminated, step.Truncated, step.StopReason, step.FormatError, step.Info));
        _context.Add(ChatMessage.Assistant(action.Text));
        _context.AddRange(step.Observation);
    }

    /// <summary>The record of a normally ended episode.</summary>
    public EpisodeRecord Complete(EpisodeTimings? timings = null) => Build(EpisodeStatus.Completed, null, timings);

    /// <summary>The partial record of an episode that failed.</summary>
    public EpisodeRecord Fail(string error, EpisodeTimings? timings = null) => Build(EpisodeStatus.Failed, error, timings);

    /// <summary>The partial record of an episode stopped by cancellation.</summary>
    public EpisodeRecord Cancel(EpisodeTimings? timings = null) => Build(EpisodeStatus.Cancelled, null, timings);

    private EpisodeRecord Build(EpisodeStatus status, string? error, EpisodeTimings? timings)
    {
        var last = _turns.Count > 0 ? _turns[^1] : null;
        var reason = status switch
        {
            EpisodeStatus.Failed => StopReason.Error,
            EpisodeStatus.Cancelled => StopReason.Cancelled,
            _ => last?.StopReason ?? StopReason.None,
        };
        var total = 0.0;
        foreach (var turn in _turns)
        {
            total += turn.Reward;
        }

        var success = status == EpisodeStatus.Completed && last is not null && last.Info.Get(StepInfo.IsSuccess, false);
        return new EpisodeRecord(
            Episode, EnvironmentId, Seed, PolicyId, status, reason,
            last?.Terminated ?? false, last?.Truncated ?? false, success, total,
            _prompt, _resetInfo, [.. _turns], error, timings);
    }
}
