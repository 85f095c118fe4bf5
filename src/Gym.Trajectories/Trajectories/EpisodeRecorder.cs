using Gym.Core.Context;
using Gym.Core.Episodes;

namespace Gym.Core.Trajectories;

/// <summary>
/// Accumulates one episode as it is played, and keeps the conversation the policy sees, as its
/// <see cref="IContextPolicy"/> shows it (the full history by default). Each recorded turn carries
/// the segments of the context its action was chosen from and their token count. Pure state: the
/// runtime's episode actor and the direct runner both use it.
/// </summary>
public sealed class EpisodeRecorder
{
    private readonly List<TurnRecord> _turns = [];
    private readonly List<ContextTurn> _contextTurns = [];
    // Token counts by segment: a segment names one message exactly, so a message shown on many
    // turns (the prompt, every old turn under full history) is tokenized once per episode.
    private readonly Dictionary<ContextSegment, int> _tokens = [];
    private readonly IContextPolicy _contextPolicy;
    private ITokenCounter? _tokenCounter;
    private IReadOnlyList<ChatMessage> _prompt = [];
    private StepInfo _resetInfo = StepInfo.Empty;
    private ContextView? _view;
    private int _viewTokens = -1;

    /// <summary>Starts recording an episode.</summary>
    /// <param name="episode">The episode index.</param>
    /// <param name="environmentId">The environment id.</param>
    /// <param name="seed">The episode seed.</param>
    /// <param name="policyId">The acting policy's id.</param>
    /// <param name="contextPolicy">What the policy sees each turn; the full history when null.</param>
    /// <param name="tokenCounter">Counts context tokens; <see cref="TokenCounters.Default"/> when null.</param>
    public EpisodeRecorder(long episode, string environmentId, long seed, string policyId, IContextPolicy? contextPolicy = null, ITokenCounter? tokenCounter = null)
    {
        Episode = episode;
        EnvironmentId = environmentId;
        Seed = seed;
        PolicyId = policyId;
        _contextPolicy = contextPolicy ?? ContextPolicy.Full;
        // Resolved on first count, so a recorder that only reports a failure never loads a tokenizer.
        _tokenCounter = tokenCounter;
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

    /// <summary>What the policy sees next turn, as the context policy builds it.</summary>
    public IReadOnlyList<ChatMessage> Context => View.Messages;

    /// <summary>What the policy sees next turn, with the origin of each message.</summary>
    public ContextView View => _view ??= _contextPolicy.Build(_prompt, _contextTurns);

    /// <summary>The tokens of <see cref="View"/>.</summary>
    public int ContextTokens
    {
        get
        {
            if (_viewTokens < 0)
            {
                _viewTokens = CountTokens(View);
            }

            return _viewTokens;
        }
    }

    /// <summary>Records the reset.</summary>
    public void Reset(ResetResult reset)
    {
        ArgumentNullException.ThrowIfNull(reset);
        _prompt = reset.Observation;
        _resetInfo = reset.Info;
        _turns.Clear();
        _contextTurns.Clear();
        _tokens.Clear();
        Invalidate();
    }

    /// <summary>Records one step: the action was chosen from the current <see cref="View"/>.</summary>
    public void Step(AgentAction action, StepResult step)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(step);
        var seen = View;
        var tokens = ContextTokens;
        _turns.Add(new TurnRecord(
            _turns.Count, action, step.Observation, step.ToolCalls, step.Reward, step.Breakdown,
            step.Terminated, step.Truncated, step.StopReason, step.FormatError, step.Info,
            seen.Segments, tokens));
        _contextTurns.Add(new ContextTurn(action, step.Observation));
        Invalidate();
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

    private void Invalidate()
    {
        _view = null;
        _viewTokens = -1;
    }

    private int CountTokens(ContextView view)
    {
        _tokenCounter ??= TokenCounters.Default;
        var total = 0;
        for (var i = 0; i < view.Segments.Count; i++)
        {
            var segment = view.Segments[i];
            if (!_tokens.TryGetValue(segment, out var count))
            {
                count = _tokenCounter.Count(view.Messages[i]);
                _tokens.Add(segment, count);
            }

            total += count;
        }

        return total;
    }
}
