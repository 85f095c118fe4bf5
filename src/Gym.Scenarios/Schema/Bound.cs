using Gym.Core.Registry;
using Gym.Scenarios.Yaml;

namespace Gym.Scenarios.Schema;

/// <summary>The validated values of one mapping, handed to its record factory.</summary>
internal sealed class Bound(ObjectSchema schema, IReadOnlyDictionary<string, object?> values)
{
    public bool Has(string key) => values.ContainsKey(key);

    /// <summary>The value given, else the field's default from the schema table, else <c>default</c>.</summary>
    public T Get<T>(string key)
    {
        if (values.TryGetValue(key, out var value))
        {
            return (T)value!;
        }

        var field = schema.Find(key) ?? throw new InvalidOperationException($"{schema.Name} has no field '{key}'");
        return field is { Default: { } text, Type: ScalarSchema scalar } ? (T)scalar.ParseDefault(text) : default!;
    }

    /// <summary>The value given, or <see langword="null"/> (defaults are not applied: absence means "the task's default").</summary>
    public T? Optional<T>(string key)
        where T : struct => values.TryGetValue(key, out var value) ? (T)value! : null;

    public IReadOnlyList<T> List<T>(string key) => OptionalList<T>(key) ?? [];

    public IReadOnlyList<T>? OptionalList<T>(string key) =>
        values.TryGetValue(key, out var value) ? ((IEnumerable<object?>)value!).Cast<T>().ToArray() : null;

    public IReadOnlyDictionary<string, string> Map(string key) =>
        values.TryGetValue(key, out var value) ? (IReadOnlyDictionary<string, string>)value! : new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>What an object's extra check sees, and where it reports.</summary>
internal sealed class ObjectCheck(ErrorSink errors, EnvironmentRegistry? registry, MappingNode node, string path, Dictionary<string, object?> values)
{
    public EnvironmentRegistry? Registry { get; } = registry;

    public MappingNode Node { get; } = node;

    public string Path { get; } = path;

    public IReadOnlyDictionary<string, object?> Values { get; } = values;

    public bool Failed { get; private set; }

    /// <summary>Replaces a validated value before the object is built (a check that resolves relative file paths).</summary>
    public void Replace(string key, object? value) => values[key] = value;

    public void Error(SourceNode at, string message, string? hint)
    {
        Failed = true;
        errors.Add(at, message, hint);
    }
}
