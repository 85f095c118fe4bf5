using System.Collections.Immutable;
using Gym.Core.Tools;

namespace Gym.Core.Rewards;

/// <summary>
/// The numbers that describe an episode's progress, as milestones and shaping potentials read them.
/// Every key is derived from the trajectory alone, so re-scoring recomputes it exactly. The core keys
/// are fields; keys of registered <see cref="IEpisodeStateProvider"/>s are in <see cref="Extra"/>.
/// </summary>
/// <param name="Turns">Turns played.</param>
/// <param name="ValidTurns">Turns whose action parsed.</param>
/// <param name="ToolCalls">Tool calls made.</param>
/// <param name="ToolErrors">Tool calls that returned an error.</param>
/// <param name="PlanCallsDone">Planned (expert) calls reproduced: same tool, same result as planned.</param>
/// <param name="StagesDone">Stages closed by an answer.</param>
/// <param name="Answered">1 once any answer was given, else 0.</param>
/// <param name="Milestones">Milestones reached.</param>
public readonly record struct StateValues(
    int Turns,
    int ValidTurns,
    int ToolCalls,
    int ToolErrors,
    int PlanCallsDone,
    int StagesDone,
    int Answered,
    int Milestones)
{
    /// <summary>The core keys, which every episode has, as written in milestone conditions and shaping potentials.</summary>
    public static ImmutableArray<StateKey> CoreKeys { get; } =
    [
        new("turns", "Turns played."),
        new("valid_turns", "Turns whose action parsed."),
        new("tool_calls", "Tool calls made."),
        new("tool_errors", "Tool calls that returned an error."),
        new("plan_calls_done", "Planned (expert) calls reproduced: same tool, same result as planned."),
        new("stages_done", "Stages closed by an answer."),
        new("answered", "1 once any answer was given, else 0."),
        new("milestones", "Milestones reached."),
    ];

    /// <summary>The values of provider keys after the turn; null when the program tracks none.</summary>
    public IReadOnlyDictionary<string, double>? Extra { get; init; }

    /// <summary>The value of a state key; throws <see cref="ArgumentException"/> for a key this episode does not track.</summary>
    public double Get(string key) => key switch
    {
        "turns" => Turns,
        "valid_turns" => ValidTurns,
        "tool_calls" => ToolCalls,
        "tool_errors" => ToolErrors,
        "plan_calls_done" => PlanCallsDone,
        "stages_done" => StagesDone,
        "answered" => Answered,
        "milestones" => Milestones,
        _ => Extra is not null && Extra.TryGetValue(key, out var value)
            ? value
            : throw new ArgumentException($"state key '{key}' is not tracked in this episode; tracked keys: {string.Join(", ", CoreKeys.Select(k => k.Name).Concat(Extra?.Keys ?? []))}", nameof(key)),
    };
}

/// <summary>What one turn did, derived once and shared by every component.</summary>
public sealed record TurnFacts
{
    /// <summary>The episode's reference (gold answers, planned calls).</summary>
    public required TaskReference Reference { get; init; }

    /// <summary>The reference of the stage the turn acted in.</summary>
    public required StageReference Stage { get; init; }

    /// <summary>The task statement shown to the agent (for judges).</summary>
    public required string TaskPrompt { get; init; }

    /// <summary>The planned calls of the stage not yet reproduced before this turn, in plan order.</summary>
    public required IReadOnlyList<PlannedCall> RemainingCalls { get; init; }

    /// <summary>Whether the episode ends with this turn.</summary>
    public bool Ends { get; init; }

    /// <summary>The state before the turn.</summary>
    public required StateValues Before { get; init; }

    /// <summary>The state after the turn.</summary>
    public required StateValues After { get; init; }

    /// <summary>The episode's running state (after the turn), for components that remember across turns.</summary>
    public required RewardEpisodeState State { get; init; }
}

/// <summary>
/// The running state of one episode for its reward program: progress counters, planned calls done,
/// milestones reached, and the trackers of the state providers the program reads. One per episode;
/// <see cref="Apply"/> advances it by one turn.
/// </summary>
public sealed class RewardEpisodeState
{
    private readonly HashSet<(int Stage, int Call)> _planDone = [];
    private readonly HashSet<string> _milestones = new(StringComparer.Ordinal);
    private readonly (IEpisodeStateProvider Provider, IEpisodeStateTracker Tracker)[] _trackers;
    private StateValues _values;

    /// <summary>Starts the state of one episode, with a tracker for each of <paramref name="providers"/>.</summary>
    public RewardEpisodeState(TaskReference reference, string taskPrompt, IReadOnlyList<IEpisodeStateProvider>? providers = null)
    {
        Reference = reference ?? throw new ArgumentNullException(nameof(reference));
        TaskPrompt = taskPrompt ?? throw new ArgumentNullException(nameof(taskPrompt));
        _trackers = [.. (providers ?? []).Select(p => (p, p.Begin(reference)))];
        if (_trackers.Length > 0)
        {
            // Before the first turn every provider key reads 0, like the core counters.
            _values = new StateValues { Extra = _trackers.SelectMany(t => t.Provider.Keys).ToDictionary(k => k.Name, _ => 0.0, StringComparer.Ordinal) };
        }
    }

    /// <summary>The episode's reference.</summary>
    public TaskReference Reference { get; }

    /// <summary>The task statement.</summary>
    public string TaskPrompt { get; }

    /// <summary>The current values.</summary>
    public StateValues Values => _values;

    /// <summary>The tracker of a provider this state runs; throws when the program does not track that provider.</summary>
    public T Tracker<T>()
        where T : class, IEpisodeStateTracker
    {
        foreach (var (_, tracker) in _trackers)
        {
            if (tracker is T typed)
            {
                return typed;
            }
        }

        throw new InvalidOperationException($"this episode has no {typeof(T).Name}; a component that reads it must list its provider in StateProviders");
    }

    /// <summary>Marks a milestone reached; false when it already was.</summary>
    public bool ReachMilestone(string name)
    {
        if (!_milestones.Add(name))
        {
            return false;
        }

        _values = _values with { Milestones = _milestones.Count };
        return true;
    }

    /// <summary>Whether a milestone was reached earlier.</summary>
    public bool HasReached(string name) => _milestones.Contains(name);

    /// <summary>Advances the state by one turn and returns what the turn did.</summary>
    public TurnFacts Apply(TurnEvent turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var before = _values;
        var stage = Reference.Stage(turn.Stage);
        // A loop, not LINQ with a closure: this runs on every step.
        var remaining = new List<PlannedCall>(stage.Calls.Count);
        for (var j = 0; j < stage.Calls.Count; j++)
        {
            if (!_planDone.Contains((turn.Stage, j)))
            {
                remaining.Add(stage.Calls[j]);
            }
        }

        var errors = 0;
        foreach (var invocation in turn.Invocations)
        {
            if (invocation.Result.IsError)
            {
                errors++;
                continue;
            }

            MarkPlanned(turn.Stage, stage, invocation);
        }

        Dictionary<string, double>? extra = null;
        if (_trackers.Length > 0)
        {
            extra = new Dictionary<string, double>(before.Extra!, StringComparer.Ordinal);
            foreach (var (_, tracker) in _trackers)
            {
                tracker.Apply(turn, stage, extra);
            }
        }

        _values = _values with
        {
            Turns = before.Turns + 1,
            ValidTurns = before.ValidTurns + (turn.FormatValid ? 1 : 0),
            ToolCalls = before.ToolCalls + turn.Invocations.Count,
            ToolErrors = before.ToolErrors + errors,
            PlanCallsDone = _planDone.Count,
            StagesDone = before.StagesDone + (turn.Answer is not null ? 1 : 0),
            Answered = turn.Answer is not null ? 1 : before.Answered,
            Extra = extra,
        };

        return new TurnFacts
        {
            Reference = Reference,
            Stage = stage,
            TaskPrompt = TaskPrompt,
            RemainingCalls = remaining,
            Ends = turn.Ends,
            Before = before,
            After = _values,
            State = this,
        };
    }

    private void MarkPlanned(int stageIndex, StageReference stage, ToolInvocation invocation)
    {
        var result = invocation.Result.Content.AsSpan().Trim();
        for (var j = 0; j < stage.Calls.Count; j++)
        {
            var planned = stage.Calls[j];
            if (!_planDone.Contains((stageIndex, j))
                && planned.Call.Name == invocation.Call.Name
                && planned.ExpectedResult.AsSpan().Trim().SequenceEqual(result))
            {
                _planDone.Add((stageIndex, j));
                return;
            }
        }
    }
}
