using System.Globalization;
using System.Text.RegularExpressions;

namespace Gym.Scenarios.Yaml;

/// <summary>How nodes and their places are named in error messages.</summary>
internal static partial class NodeText
{
    private const int MaxQuoted = 40;

    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant)]
    internal static partial Regex IntegerPattern();

    /// <summary>The YAML path of a key under <paramref name="parent"/>, like <c>limits.max_turns</c>.</summary>
    public static string Child(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    /// <summary>The YAML path of a list item, like <c>operators[1]</c>.</summary>
    public static string Item(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>The name of a mapping in "in X" phrases: the path, or "the scenario" at the top.</summary>
    public static string Context(string path) => path.Length == 0 ? "the scenario" : path;

    /// <summary>What a node is, for "found …" phrases: <c>a list</c>, <c>the string 'ten'</c>, <c>the number 3.5</c>.</summary>
    public static string Found(SourceNode node) => node switch
    {
        MappingNode => "a mapping",
        SequenceNode => "a list",
        BrokenNode => "an unknown alias",
        ScalarNode { IsNull: true } => "an empty value",
        ScalarNode { IsPlain: false } s => $"the quoted string {Quote(s.Value)}",
        ScalarNode s when IsBoolean(s.Value) => $"the boolean {s.Value}",
        ScalarNode s when IsNumber(s.Value) => $"the number {s.Value}",
        ScalarNode s => $"the string {Quote(s.Value)}",
        _ => "an unknown node",
    };

    public static string Quote(string value)
    {
        var shown = value.Length > MaxQuoted ? string.Concat(value.AsSpan(0, MaxQuoted), "…") : value;
        return $"'{shown.Replace("\n", "\\n", StringComparison.Ordinal)}'";
    }

    /// <summary>YAML 1.2 core-schema booleans.</summary>
    public static bool IsBoolean(string text) => text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE";

    public static bool IsNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        && !text.Contains("Infinity", StringComparison.OrdinalIgnoreCase)
        && !text.Contains("NaN", StringComparison.OrdinalIgnoreCase);
}
