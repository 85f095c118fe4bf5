using System.Globalization;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Environments.Guessing.SecretNumber;

namespace Gym.Environments.Guessing.Rewards;

/// <summary>The reward component kinds the guessing module adds to a registry.</summary>
public static class GuessingRewardComponents
{
    /// <summary>The kind name of <see cref="SearchEfficiencyComponent"/>.</summary>
    public const string SearchEfficiency = "search_efficiency";

    /// <summary>The kinds, in documentation order.</summary>
    public static IReadOnlyList<RewardComponentKind> Kinds { get; } =
    [
        new(SearchEfficiency, RewardScope.Episode, "For a correct answer, min(1, ceil(log2 max) / hints), hints being the hint calls answered (1 with none); 0 for a wrong answer or none. Binary search scores 1.", [],
            a => new SearchEfficiencyComponent(a.Name, a.RewardKind, a.Weight)),
    ];
}

/// <summary><c>search_efficiency</c>: how close to binary search a correct answer was reached.</summary>
public sealed class SearchEfficiencyComponent(string name, RewardKind kind, double weight) : SimpleRewardComponent(name, kind, RewardScope.Episode, weight)
{
    private static readonly IReadOnlyList<IEpisodeStateProvider> Guessing = [GuessingState.Provider];

    /// <inheritdoc />
    public override IReadOnlyList<IEpisodeStateProvider> StateProviders => Guessing;

    /// <summary>The value for a correct answer after <paramref name="hints"/> answered hints over [1, <paramref name="max"/>].</summary>
    public static double Efficiency(int hints, int max) =>
        hints <= 0 ? 1 : Math.Min(1, (double)SecretNumberOptions.Bits(Math.Max(1, max)) / hints);

    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(facts);
        if (turn.Answer is not { } answer)
        {
            return 0;
        }

        var correct = facts.Stage.Objectives.Count == 1 && facts.Stage.Objectives[0].Answers.Any(gold =>
            double.TryParse(gold, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && NumericMatch.Matches(answer, value, relative: 0, absolute: 0));
        if (!correct)
        {
            return 0;
        }

        var state = facts.State.Tracker<GuessingStateTracker>();
        return Efficiency(state.Hints, state.Max);
    }
}
