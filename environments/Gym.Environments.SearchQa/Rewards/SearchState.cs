using System.Text.Json;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Environments.SearchQa.Rewards;

/// <summary>What one turn's searches did, for the retrieval components.</summary>
/// <param name="Retrieved">The documents the turn's searches returned, in order (ranks restart per search).</param>
/// <param name="FirstHitRank">The 1-based rank of the first hit among <paramref name="Retrieved"/>, or 0 without one.</param>
/// <param name="Repeated">Whether a query of this turn repeats an earlier one, or a search returned only documents seen before.</param>
public sealed record SearchTurn(IReadOnlyList<RetrievedDocument> Retrieved, int FirstHitRank, bool Repeated)
{
    /// <summary>A turn that retrieved nothing.</summary>
    public static SearchTurn None { get; } = new([], 0, false);
}

/// <summary>
/// The search module's episode state: which documents were retrieved and whether they were hits,
/// which queries were issued. Its keys are <c>gold_retrieved</c>, <c>queries</c> and
/// <c>answer_retrieved</c>; the retrieval components read its <see cref="SearchStateTracker.Turn"/>.
/// </summary>
public sealed class SearchState : IEpisodeStateProvider
{
    /// <summary>The provider; stateless, so one serves every registry.</summary>
    public static SearchState Provider { get; } = new();

    private SearchState()
    {
    }

    /// <inheritdoc />
    public string Name => "search";

    /// <inheritdoc />
    public IReadOnlyList<StateKey> Keys { get; } =
    [
        new("gold_retrieved", "Distinct retrieved documents that were hits (gold supporting document or containing a gold answer)."),
        new("queries", "Distinct search queries issued (after normalization)."),
        new("answer_retrieved", "1 once a retrieved document contained a gold answer of its stage, else 0."),
    ];

    /// <inheritdoc />
    public IEpisodeStateTracker Begin(TaskReference reference) => new SearchStateTracker();

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
}

/// <summary>One episode's <see cref="SearchState"/>.</summary>
public sealed class SearchStateTracker : IEpisodeStateTracker
{
    private readonly HashSet<string> _queries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenDocuments = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _hits = new(StringComparer.OrdinalIgnoreCase);
    private int _answerRetrieved;

    /// <summary>What the latest turn's searches did.</summary>
    public SearchTurn Turn { get; private set; } = SearchTurn.None;

    /// <inheritdoc />
    public void Apply(TurnEvent turn, StageReference stage, IDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(values);
        var retrieved = new List<RetrievedDocument>();
        var firstHit = 0;
        var repeated = false;
        foreach (var call in turn.Calls)
        {
            if (SearchState.QueryOf(call) is { } query && !_queries.Add(query))
            {
                repeated = true;
            }
        }

        foreach (var invocation in turn.Invocations)
        {
            var documents = RetrievedDocuments.Of(invocation);
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
                if (SearchState.ContainsAnswer(document, stage))
                {
                    _answerRetrieved = 1;
                }

                if (SearchState.IsHit(document, stage))
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

        Turn = new SearchTurn(retrieved, firstHit, repeated);
        values["gold_retrieved"] = _hits.Count;
        values["queries"] = _queries.Count;
        values["answer_retrieved"] = _answerRetrieved;
    }
}
