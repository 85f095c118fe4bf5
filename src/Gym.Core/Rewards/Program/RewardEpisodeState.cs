using System.Collections.Immutable;
using System.Text.Json;
using Gym.Core.Episodes;
using Gym.Core.Tools;

namespace Gym.Core.Rewards;

/// <summary>
/// The numbers that describe an episode's progress, as milestones and shaping potentials read them.
/// Every key is derived from the trajectory alone, so re-scoring recomputes it exactly.
/// </summary>
/// <param name="Turns">Turns played.</param>
/// <param name="ValidTurns">Turns whose action parsed.</param>
/// <param name="ToolCalls">Tool calls made.</param>
/// <param name="ToolErrors">Tool calls that returned an error.</param>
/// <param name="PlanCallsDone">Planned (expert) calls reproduced: same tool, same result as planned.</param>
/// <param name="StagesDone">Stages closed by an answer.</param>
/// <param name="Answered">1 once any answer was given, else 0.</param>
/// <param name="GoldRetrieved">Distinct retrieved documents that were hits (gold supporting document or containing a gold answer).</param>
/// <param name="Queries">Distinct search queries issued (after normalization).</param>
/// <param name="Milestones">Milestones reached.</param>
/// <param name="AnswerRetrieved">1 once a retrieved document contained a gold answer of its stage, else 0.</param>
public readonly record struct StateValues(
    int Turns,
    int ValidTurns,
    int ToolCalls,
    int ToolErrors,
    int PlanCallsDone,
    int StagesDone,
    int Answered,
    int GoldRetrieved,
    int Queries,
    int Milestones,
    int AnswerRetrieved = 0)
{
    /// <summary>The keys <see cref="Get"/> knows, as written in milestone conditions and shaping potentials.</summary>
    public static ImmutableArray<string> Keys { get; } =
        ["turns", "valid_turns", "tool_calls", "tool_errors", "plan_calls_done", "stages_done", "answered", "gold_retrieved", "queries", "milestones", "answer_retrieved"];

    /// <summary>The value of a state key; throws <see cref="ArgumentException"/> listing the keys for an unknown one.</summary>
    public double Get(string key) => key switch
    {
        "turns" => Turns,
        "valid_turns" => ValidTurns,
        "tool_calls" => ToolCalls,
        "tool_errors" => ToolErrors,
        "plan_calls_done" => PlanCallsDone,
        "stages_done" => StagesDone,
        "answered" => Answered,
        "gold_retrieved" => GoldRetrieved,
        "queries" => Queries,
        "milestones" => Milestones,
        "answer_retrieved" => AnswerRetrieved,
        _ => throw new ArgumentException($"unknown state key '{key}'; known keys: {string.Join(", ", Keys)}", nameof(key)),
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

    /// <summary>The documents this turn's searches returned, in order (ranks restart per search).</summary>
    public IReadOnlyList<RetrievedDocument> Retrieved { get; init; } = [];

    /// <summary>The 1-based rank of the first hit among <see cref="Retrieved"/>, or 0 without one.</summary>
    public int FirstHitRank { get; init; }

    /// <summary>Whether a query of this turn repeats an earlier one, or a search returned only documents seen before.</summary>
    public bool Repeated { get; init; }

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
/// The running state of one episode for its reward program: progress counters, queries and documents
/// seen, milestones reached. One per episode; <see cref="Apply"/> advances it by one turn.
/// </summary>
public sealed class RewardEpisodeState(TaskReference reference, string taskPrompt)
{
    private readonly HashSet<(int Stage, int Call)> _planDone = [];
    private readonly HashSet<string> _queries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenDocuments = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _hits = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _milestones = new(StringComparer.Ordinal);
    private StateValues _values;

    /// <summary>The episode's reference.</summary>
    public TaskReference Reference { get; } = reference ?? throw new ArgumentNullException(nameof(reference));

    /// <summary>The task statement.</summary>
    public string TaskPrompt { get; } = taskPrompt ?? throw new ArgumentNullException(nameof(taskPrompt));

    /// <summary>The current values.</summary>
    public StateValues Values => _values;

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
        var remaining = stage.Calls.Where((_, j) => !_planDone.Contains((turn.Stage, j))).ToList();

        var retrieved = new List<RetrievedDocument>();
        var answerRetrieved = before.AnswerRetrieved;
        var firstHit = 0;
        var repeated = false;
        foreach (var call in turn.Calls)
        {
            if (QueryOf(call) is { } query && !_queries.Add(query))
            {
                repeated = true;
            }
        }

        foreach (var invocation in turn.Invocations)
        {
            if (invocation.Result.IsError)
            {
                continue;
            }

            MarkPlanned(turn.Stage, stage, invocation);
            var documents = SearchResults.Parse(invocation.Result.Content);
            if (documents.Count == 0)
            {
                continue;
            }

            if (documents.All(d => _seenDocuments.Contains(d.Title)))
            {
                repeated = true;
            }

            foreach (var document in documents)
            {
                _seenDocuments.Add(document.Title);
                if (ContainsAnswer(document, stage))
                {
                    answerRetrieved = 1;
                }

                if (IsHit(document, stage))
                {
                    _hits.Add(document.Title);
                    if (firstHit == 0)
                    {
                        // Ranks are per search; a later search's hit counts from its own top.
                        firstHit = document.Rank;
                    }
                }
            }

            retrieved.AddRange(documents);
        }

        _values = _values with
        {
            Turns = before.Turns + 1,
            ValidTurns = before.ValidTurns + (turn.FormatValid ? 1 : 0),
            ToolCalls = before.ToolCalls + turn.Invocations.Count,
            ToolErrors = before.ToolErrors + turn.Invocations.Count(i => i.Result.IsError),
            PlanCallsDone = _planDone.Count,
            StagesDone = before.StagesDone + (turn.Answer is not null ? 1 : 0),
            Answered = turn.Answer is not null ? 1 : before.Answered,
            GoldRetrieved = _hits.Count,
            Queries = _queries.Count,
            AnswerRetrieved = answerRetrieved,
        };

        return new TurnFacts
        {
            Reference = Reference,
            Stage = stage,
            TaskPrompt = TaskPrompt,
            RemainingCalls = remaining,
            Retrieved = retrieved,
            FirstHitRank = firstHit,
            Repeated = repeated,
            Ends = turn.Ends,
            Before = before,
            After = _values,
            State = this,
        };
    }

    /// <summary>Whether a retrieved document is a hit for the stage: a gold supporting document, or one containing a gold answer.</summary>
    public static bool IsHit(RetrievedDocument document, StageReference stage)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(stage);
        foreach (var objective in stage.Objectives)
        {
            if (objective.SupportingDocuments.Any(s => string.Equals(s.Trim(), document.Title, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return ContainsAnswer(document, stage);
    }

    /// <summary>Whether a retrieved document's text contains a gold answer of the stage (normalized, whole words).</summary>
    public static bool ContainsAnswer(RetrievedDocument document, StageReference stage)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(stage);
        var text = $" {ExactMatch.Normalize(document.Title + " " + document.Text)} ";
        foreach (var objective in stage.Objectives)
        {
            foreach (var answer in objective.Answers)
            {
                var gold = ExactMatch.Normalize(answer);
                if (gold.Length > 0 && text.Contains($" {gold} ", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The normalized <c>query</c> argument of a call, or null when it has none.</summary>
    public static string? QueryOf(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Arguments.ValueKind == JsonValueKind.Object
            && call.Arguments.TryGetProperty("query", out var query)
            && query.ValueKind == JsonValueKind.String
            ? ExactMatch.Normalize(query.GetString()!)
            : null;
    }

    private void MarkPlanned(int stageIndex, StageReference stage, ToolInvocation invocation)
    {
        var result = invocation.Result.Content.Trim();
        for (var j = 0; j < stage.Calls.Count; j++)
        {
            var planned = stage.Calls[j];
            if (!_planDone.Contains((stageIndex, j))
                && planned.Call.Name == invocation.Call.Name
                && string.Equals(planned.ExpectedResult.Trim(), result, StringComparison.Ordinal))
            {
                _planDone.Add((stageIndex, j));
                return;
            }
        }
    }
}
