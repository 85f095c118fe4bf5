using Gym.Core.Context;

namespace Gym.Core.Rewards.Components;

/// <summary><c>format</c>: whether the action parsed.</summary>
public sealed class FormatComponent(string name, RewardKind kind, double weight, bool indicator) : SimpleRewardComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts) => indicator
        ? (turn.FormatValid ? 1 : 0)
        : (turn.FormatValid ? 0 : -1);
}

/// <summary><c>tool_call</c>: share of the turn's calls that succeeded minus share that failed.</summary>
public sealed class ToolCallComponent(string name, RewardKind kind, double weight) : SimpleRewardComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        if (turn.Invocations.Count == 0)
        {
            return 0;
        }

        var succeeded = turn.Invocations.Count(i => !i.Result.IsError);
        return (succeeded - (turn.Invocations.Count - succeeded)) / (double)turn.Invocations.Count;
    }
}

/// <summary>
/// <c>toolrl</c>: ToolRL's format + correctness reward against the expert's next planned calls of
/// the stage: as many of them as the turn made calls (at least one). An answer turn is compared with
/// "no call" when the stage's planned calls are all done (full marks) and with the remaining calls
/// otherwise (a premature answer scores −3 on correctness).
/// </summary>
public sealed class ToolRlComponent(string name, RewardKind kind, double weight) : SimpleRewardComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        if (!turn.FormatValid)
        {
            return ToolRl.Score(false, null, [.. facts.RemainingCalls.Take(1).Select(c => c.Call)]).Total;
        }

        var gold = turn.Answer is not null
            ? facts.RemainingCalls.Select(c => c.Call).ToList()
            : [.. facts.RemainingCalls.Take(Math.Max(1, turn.Calls.Count)).Select(c => c.Call)];
        return ToolRl.Score(true, turn.Calls, gold).Total;
    }
}

/// <summary><c>turn_cost</c>: −1 per turn.</summary>
public sealed class TurnCostComponent(string name, RewardKind kind, double weight) : SimpleRewardComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts) => -1;
}

/// <summary><c>length_penalty</c>: −(tokens over the budget).</summary>
public sealed class LengthPenaltyComponent(string name, RewardKind kind, double weight, int budget, ITokenCounter counter) : SimpleRewardComponent(name, kind, RewardScope.Turn, weight)
{
    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts)
    {
        // The policy's own token count is exact; counting the text is the fallback for text-only policies.
        var tokens = turn.GeneratedTokens ?? counter.CountText(turn.ActionText);
        return -Math.Max(0, tokens - budget);
    }
}

/// <summary><c>milestone</c>: 1 on the turn its condition first holds.</summary>
public sealed class MilestoneComponent(string name, RewardKind kind, double weight, StateCondition condition) : SimpleRewardComponent(name, kind, RewardScope.Turn, weight)
{
    /// <summary>The condition.</summary>
    public StateCondition Condition { get; } = condition;

    /// <inheritdoc />
    public override IReadOnlyList<IEpisodeStateProvider> StateProviders => Condition.StateProviders;

    /// <inheritdoc />
    protected override double Score(TurnEvent turn, TurnFacts facts) =>
        !facts.State.HasReached(Name) && Condition.Holds(facts.After) && facts.State.ReachMilestone(Name) ? 1 : 0;
}
