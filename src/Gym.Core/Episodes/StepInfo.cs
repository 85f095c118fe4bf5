using System.Collections.Immutable;
using System.Text.Json;

namespace Gym.Core.Episodes;

/// <summary>
/// Auxiliary diagnostic data returned by reset and step (Gymnasium's <c>info</c>). Keys are kept
/// sorted so that serialized trajectories are byte-identical for identical episodes.
/// </summary>
public sealed class StepInfo
{
    /// <summary>The conventional key for "did the agent solve the task" on the final step.</summary>
    public const string IsSuccess = "is_success";

    /// <summary>An info with no entries.</summary>
    public static StepInfo Empty { get; } = new(ImmutableSortedDictionary<string, JsonElement>.Empty.WithComparers(StringComparer.Ordinal));

    private StepInfo(ImmutableSortedDictionary<string, JsonElement> values) => Values = values;

    /// <summary>The entries, sorted by key (ordinal).</summary>
    public ImmutableSortedDictionary<string, JsonElement> Values { get; }

    /// <summary>Returns a copy with <paramref name="key"/> set to <paramref name="value"/> (serialized as JSON).</summary>
    public StepInfo With<T>(string key, T value) =>
        new(Values.SetItem(key, JsonSerializer.SerializeToElement(value)));

    /// <summary>Returns a copy with every entry of <paramref name="other"/> added (overwriting equal keys), each key prefixed with <paramref name="prefix"/>.</summary>
    public StepInfo Merge(StepInfo other, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(prefix);
        var values = Values;
        foreach (var (key, value) in other.Values)
        {
            values = values.SetItem(prefix + key, value);
        }

        return new(values);
    }

    /// <summary>Whether an entry exists.</summary>
    public bool Contains(string key) => Values.ContainsKey(key);

    /// <summary>Reads an entry as <typeparamref name="T"/>, or <paramref name="fallback"/> when it is absent.</summary>
    public T Get<T>(string key, T fallback) =>
        Values.TryGetValue(key, out var element) ? element.Deserialize<T>() ?? fallback : fallback;
}
