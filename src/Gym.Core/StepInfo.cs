using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Gym.Core;

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
        new(Values.SetItem(key, ToElement(value)));

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
    public T Get<T>(string key, T fallback)
    {
        if (!Values.TryGetValue(key, out var element))
        {
            return fallback;
        }

        // The commonest read (is_success, once per episode) skips the serializer; the result is the same.
        if (typeof(T) == typeof(bool) && element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            var flag = element.ValueKind == JsonValueKind.True;
            return Unsafe.As<bool, T>(ref flag);
        }

        return element.Deserialize<T>() ?? fallback;
    }

    /// <summary>
    /// The JSON of <paramref name="value"/>. Booleans and small integers (turn numbers, counts,
    /// limits: most entries) come from shared, read-only documents instead of a new document per
    /// entry; they are the very elements the serializer would produce, so the output is identical.
    /// </summary>
    private static JsonElement ToElement<T>(T value)
    {
        if (typeof(T) == typeof(bool))
        {
            return Unsafe.As<T, bool>(ref value) ? SharedElements.True : SharedElements.False;
        }

        if (typeof(T) == typeof(int))
        {
            var number = Unsafe.As<T, int>(ref value);
            if ((uint)(number - SharedElements.SmallestInteger) < (uint)SharedElements.Integers.Length)
            {
                return SharedElements.Integers[number - SharedElements.SmallestInteger];
            }
        }

        if (typeof(T) == typeof(long))
        {
            var number = Unsafe.As<T, long>(ref value);
            if ((ulong)(number - SharedElements.SmallestInteger) < (ulong)SharedElements.Integers.Length)
            {
                return SharedElements.Integers[number - SharedElements.SmallestInteger];
            }
        }

        return JsonSerializer.SerializeToElement(value);
    }

    /// <summary>Pre-serialized values. A <see cref="JsonElement"/> of a document that is never disposed is immutable and thread-safe.</summary>
    private static class SharedElements
    {
        public const int SmallestInteger = -1;

        public static readonly JsonElement True = JsonSerializer.SerializeToElement(true);

        public static readonly JsonElement False = JsonSerializer.SerializeToElement(false);

        public static readonly JsonElement[] Integers = [.. Enumerable.Range(SmallestInteger, 258).Select(i => JsonSerializer.SerializeToElement(i))];
    }
}
