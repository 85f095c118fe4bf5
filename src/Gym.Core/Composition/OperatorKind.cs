using System.Globalization;
using Gym.Core.Episodes;

namespace Gym.Core.Composition;

/// <summary>The type of an operator parameter, as a scenario file writes it.</summary>
public enum OperatorParameterType
{
    /// <summary>Non-empty text.</summary>
    Text,
    /// <summary>A whole number.</summary>
    Integer,
    /// <summary>A number.</summary>
    Number,
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,
}

/// <summary>One parameter of a registered operator.</summary>
/// <param name="Name">The key under the operator in a scenario file.</param>
/// <param name="Type">Its type.</param>
/// <param name="Description">What it does (shown in the docs and the JSON Schema).</param>
public sealed record OperatorParameter(string Name, OperatorParameterType Type, string Description)
{
    /// <summary>The default as written in a file; null makes the parameter required.</summary>
    public string? Default { get; init; }

    /// <summary>The smallest value allowed (numbers only).</summary>
    public double? Minimum { get; init; }

    /// <summary>The largest value allowed (numbers only).</summary>
    public double? Maximum { get; init; }
}

/// <summary>
/// A composition operator a module contributes: its <c>kind</c>, its parameters and how it wraps a task.
/// The scenario language validates its parameters (types, bounds, required, "did you mean") from this
/// description, the JSON Schema and the docs tables list it, and a scenario applies it with
/// <see cref="Apply"/>: an operator cannot be registered without the code that applies it.
/// </summary>
/// <param name="Kind">The kind as written in scenarios, lower-case words joined by <c>-</c>, like <c>with-noisy-hints</c>.</param>
/// <param name="Description">What it does.</param>
/// <param name="Parameters">Its parameters.</param>
/// <param name="Apply">Wraps a task source with checked arguments.</param>
public sealed record OperatorKind(
    string Kind,
    string Description,
    IReadOnlyList<OperatorParameter> Parameters,
    Func<ITaskSource, OperatorArguments, ITaskSource> Apply);

/// <summary>An operator's validated arguments, defaults applied.</summary>
/// <param name="ScenarioId">The id of the scenario being built (for the ids of wrapped environments).</param>
/// <param name="Values">The values by parameter name: <see cref="string"/>, <see cref="int"/>, <see cref="double"/> or <see cref="bool"/> by type.</param>
public sealed record OperatorArguments(string ScenarioId, IReadOnlyDictionary<string, object> Values)
{
    /// <summary>A text parameter.</summary>
    public string Text(string name) => (string)Value(name);

    /// <summary>A whole-number parameter.</summary>
    public int Integer(string name) => Convert.ToInt32(Value(name), CultureInfo.InvariantCulture);

    /// <summary>A number parameter.</summary>
    public double Number(string name) => Convert.ToDouble(Value(name), CultureInfo.InvariantCulture);

    /// <summary>A true/false parameter.</summary>
    public bool Boolean(string name) => (bool)Value(name);

    private object Value(string name) => Values.TryGetValue(name, out var value)
        ? value
        : throw new InvalidOperationException($"operator argument '{name}' was not declared as a parameter");
}

/// <summary>The operators modules registered, in registration order.</summary>
public sealed class OperatorRegistry
{
    private readonly List<OperatorKind> _kinds = [];

    /// <summary>The kinds, in registration (documentation) order.</summary>
    public IReadOnlyList<OperatorKind> Kinds => _kinds;

    /// <summary>Adds an operator; its kind must be new (the scenario language's own operators count).</summary>
    public OperatorRegistry Register(OperatorKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(kind.Apply);
        if (BuiltInKinds.Contains(kind.Kind) || Find(kind.Kind) is not null)
        {
            throw new ArgumentException($"operator kind '{kind.Kind}' is already defined", nameof(kind));
        }

        if (kind.Parameters.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != kind.Parameters.Count || kind.Parameters.Any(p => p.Name == "kind"))
        {
            throw new ArgumentException($"operator '{kind.Kind}' has a duplicate parameter or one named 'kind'", nameof(kind));
        }

        _kinds.Add(kind);
        return this;
    }

    /// <summary>Finds a registered kind; null when unknown.</summary>
    public OperatorKind? Find(string kind) => _kinds.Find(k => k.Kind == kind);

    /// <summary>The operators the scenario language itself defines (they take nested tasks or act on the runtime).</summary>
    public static IReadOnlySet<string> BuiltInKinds { get; } = new HashSet<string>(["sequence", "multi-objective", "with-distractors", "with-tool-faults", "curriculum"], StringComparer.Ordinal);
}
