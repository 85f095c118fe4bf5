using System.Globalization;

namespace Gym.Core.Rewards;

/// <summary>
/// A condition on <see cref="StateValues"/>, written <c>key op number</c> with op one of
/// <c>&gt;= &gt; &lt;= &lt; == !=</c>, clauses joined by <c>and</c>:
/// <c>plan_calls_done &gt;= 2 and tool_errors == 0</c>.
/// </summary>
public sealed class StateCondition
{
    private static readonly string[] Operators = [">=", "<=", "==", "!=", ">", "<"];
    private readonly IReadOnlyList<(string Key, string Op, double Value)> _clauses;

    private StateCondition(string text, IReadOnlyList<(string Key, string Op, double Value)> clauses, IReadOnlyList<IEpisodeStateProvider> providers)
    {
        Text = text;
        _clauses = clauses;
        StateProviders = providers;
    }

    /// <summary>The providers whose keys the condition reads (none for core keys only).</summary>
    public IReadOnlyList<IEpisodeStateProvider> StateProviders { get; }

    /// <summary>The condition as written.</summary>
    public string Text { get; }

    /// <summary>Parses a condition over the keys of <paramref name="keys"/> (the core keys when null); throws <see cref="FormatException"/> saying what is wrong and what is expected.</summary>
    public static StateCondition Parse(string text, StateKeyCatalog? keys = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        keys ??= StateKeyCatalog.Core;
        var clauses = new List<(string, string, double)>();
        var providers = new List<IEpisodeStateProvider>();
        foreach (var clause in text.Split(" and ", StringSplitOptions.TrimEntries))
        {
            var op = Operators.FirstOrDefault(o => clause.Contains(o, StringComparison.Ordinal))
                ?? throw new FormatException($"condition clause '{clause}' has no comparison; expected 'key op number' with op one of {string.Join(" ", Operators)}");
            var at = clause.IndexOf(op, StringComparison.Ordinal);
            var key = clause[..at].Trim();
            var number = clause[(at + op.Length)..].Trim();
            if (!keys.TryResolve(key, out var provider))
            {
                throw new FormatException($"unknown state key '{key}' in condition '{text}'; known keys: {keys.KeyList}");
            }

            if (provider is not null && !providers.Contains(provider))
            {
                providers.Add(provider);
            }

            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                throw new FormatException($"'{number}' in condition '{text}' is not a number");
            }

            clauses.Add((key, op, value));
        }

        return new StateCondition(text, clauses, providers);
    }

    /// <summary>Whether every clause holds for <paramref name="state"/>.</summary>
    public bool Holds(StateValues state)
    {
        foreach (var (key, op, value) in _clauses)
        {
            var actual = state.Get(key);
            var holds = op switch
            {
                ">=" => actual >= value,
                "<=" => actual <= value,
                "==" => actual == value,
                "!=" => actual != value,
                ">" => actual > value,
                _ => actual < value,
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
