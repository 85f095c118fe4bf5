using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Gym.Core.Rewards;

/// <summary>Whether a reward component judges the process (a turn) or the outcome (the episode).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RewardKind>))]
public enum RewardKind
{
    /// <summary>A dense, per-turn signal about how the agent works.</summary>
    Process,
    /// <summary>A signal about whether the episode achieved the task.</summary>
    Outcome,
}

/// <summary>One named reward component in a step's breakdown.</summary>
/// <param name="Name">Stable component name, e.g. <c>format</c>, <c>tool_call</c>, <c>numeric_match</c>.</param>
/// <param name="Kind">Process or outcome.</param>
/// <param name="Raw">The component's unweighted value.</param>
/// <param name="Weight">The weight applied; weight 0 keeps the component as a metric only.</param>
public sealed record RewardTerm(string Name, RewardKind Kind, double Raw, double Weight)
{
    /// <summary>The contribution to the scalar reward: <see cref="Raw"/> × <see cref="Weight"/>.</summary>
    public double Value => Raw * Weight;
}

/// <summary>
/// The named components of one step's reward. The scalar reward is by construction the sum of the
/// components' values, added in their listed order, so the two can never disagree.
/// </summary>
public sealed class RewardBreakdown
{
    /// <summary>A breakdown with no components (reward 0).</summary>
    public static RewardBreakdown Empty { get; } = new([]);

    /// <summary>Creates a breakdown from components; names must be unique.</summary>
    public RewardBreakdown(IEnumerable<RewardTerm> terms)
    {
        Terms = [.. terms];
        for (var i = 0; i < Terms.Length; i++)
        {
            var term = Terms[i];
            if (IsNamedEarlier(i))
            {
                throw new ArgumentException($"reward component '{term.Name}' appears twice in one step", nameof(terms));
            }

            if (!double.IsFinite(term.Raw) || !double.IsFinite(term.Weight))
            {
                throw new ArgumentException($"reward component '{term.Name}' is not finite (raw {term.Raw}, weight {term.Weight})", nameof(terms));
            }
        }

        Total = Sum(Terms);
    }

    /// <summary>The components in a stable order.</summary>
    public ImmutableArray<RewardTerm> Terms { get; }

    /// <summary>The scalar reward: the sum of component values.</summary>
    public double Total { get; }

    /// <summary>The sum of the process components' values.</summary>
    public double Process => Sum(Terms.Where(t => t.Kind == RewardKind.Process));

    /// <summary>The sum of the outcome components' values.</summary>
    public double Outcome => Sum(Terms.Where(t => t.Kind == RewardKind.Outcome));

    /// <summary>Finds a component by name.</summary>
    public RewardTerm? Find(string name) => Terms.FirstOrDefault(t => t.Name == name);

    // A step has a handful of terms: comparing with the earlier ones beats a set built per step.
    private bool IsNamedEarlier(int index)
    {
        var name = Terms[index].Name;
        for (var j = 0; j < index; j++)
        {
            if (string.Equals(Terms[j].Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static double Sum(IEnumerable<RewardTerm> terms)
    {
        var total = 0.0;
        foreach (var term in terms)
        {
            total += term.Value;
        }

        return total;
    }
}
