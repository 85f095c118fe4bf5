using Gym.Core.Composition;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;

namespace Gym.Environments.SearchQa.Rewards;

/// <summary>The reward component kinds the search module adds to a registry.</summary>
public static class SearchRewardComponents
{
    private static readonly IReadOnlyList<IEpisodeStateProvider> Search = [SearchState.Provider];

    /// <summary>The kinds, in documentation order.</summary>
    public static IReadOnlyList<RewardComponentKind> Kinds { get; } =
    [
        new("search_r1", RewardScope.Episode, "Search-R1's format-aware outcome: correct and well-formed 1.0; correct, badly formed 0.8; wrong, well-formed with a gold answer in retrieved text 0.3; wrong, well-formed 0.2; wrong, badly formed 0.1; no answer 0 (well-formed: every turn so far parsed; correct: exact match).", [],
            a => new SearchR1Component(a.Name, a.RewardKind, a.Weight)),
        new("retrieval_hit", RewardScope.Turn, "1 when a document the turn's searches returned is a gold supporting document or contains a gold answer, else 0.", [],
            a => new RetrievalHitComponent(a.Name, a.RewardKind, a.Weight)),
        new("rank", RewardScope.Turn, "1/log2(1+rank) of the first hit among the turn's retrieved documents; 0 without a hit.", [],
            a => new RankComponent(a.Name, a.RewardKind, a.Weight)),
        new("repeated_query", RewardScope.Turn, "−1 when a query repeats an earlier one (after normalization) or a search returns only documents seen before, else 0.", [],
            a => new RepeatedQueryComponent(a.Name, a.RewardKind, a.Weight)),
    ];

    /// <summary>A turn component that reads the search state.</summary>
    public abstract class SearchComponent(string name, RewardKind kind, RewardScope scope, double weight) : SimpleRewardComponent(name, kind, scope, weight)
    {
        /// <inheritdoc />
        public override IReadOnlyList<IEpisodeStateProvider> StateProviders => Search;

        /// <summary>What the turn's searches did.</summary>
        protected static SearchTurn SearchOf(TurnFacts facts)
        {
            ArgumentNullException.ThrowIfNull(facts);
            return facts.State.Tracker<SearchStateTracker>().Turn;
        }
    }
}

/// <summary><c>retrieval_hit</c>: 1 when a retrieved document is a hit.</summary>
public sealed class RetrievalHitComponent(string name, RewardKind kind, double weight) : SearchRewardComponents.SearchComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts) => SearchOf(facts).FirstHitRank > 0 ? 1 : 0;
}

/// <summary><c>rank</c>: 1/log2(1+rank) of the first hit.</summary>
public sealed class RankComponent(string name, RewardKind kind, double weight) : SearchRewardComponents.SearchComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts) => RankReward.ForRank(SearchOf(facts).FirstHitRank);
}

/// <summary><c>repeated_query</c>: −1 for a repeated query or a search that found nothing new.</summary>
public sealed class RepeatedQueryComponent(string name, RewardKind kind, double weight) : SearchRewardComponents.SearchComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts) => SearchOf(facts).Repeated ? -1 : 0;
}

/// <summary>
/// <c>search_r1</c>: Search-R1's format-aware outcome. Correct and well-formed 1.0; correct, badly
/// formed 0.8; wrong, well-formed, a gold answer present in retrieved text 0.3; wrong, well-formed
/// 0.2; wrong, badly formed 0.1; no answer 0. Correct is SQuAD exact match against the stage's gold
/// answers; well-formed means every turn of the episode so far parsed.
/// </summary>
public sealed class SearchR1Component(string name, RewardKind kind, double weight) : SearchRewardComponents.SearchComponent(name, kind, RewardScope.Episode, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(facts);
        if (turn.Answer is not { } answer)
        {
            return 0;
        }

        var objectives = facts.Stage.Objectives;
        var parts = objectives.Count > 1 ? MultiObjectiveEnvironment.SplitAnswers(answer, facts.Stage.Separator ?? "; ") : [answer];
        var correct = objectives.Count > 0 && parts.Count == objectives.Count && objectives.Select((o, j) => ExactMatch.Matches(parts[j], o.Answers)).All(c => c);
        var wellFormed = facts.After.ValidTurns == facts.After.Turns;
        return (correct, wellFormed) switch
        {
            (true, true) => 1.0,
            (true, false) => 0.8,
            (false, true) => facts.After.Get("answer_retrieved") == 1 ? 0.3 : 0.2,
            _ => 0.1,
        };
    }
}
