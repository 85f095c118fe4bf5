using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// Scores 1 when a value in the text's JSON satisfies a comparison, else 0. The text is parsed as
/// JSON, or, when prose surrounds it, the first <c>{...}</c> or <c>[...]</c> block that parses.
/// </summary>
/// <remarks>
/// <para>Paths: <c>$</c>, then any of <c>.name</c>, <c>['name']</c> / <c>["name"]</c> and <c>[index]</c>,
/// e.g. <c>$.a.b[0].c</c>.</para>
/// <para>Operators: <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>,
/// <c>contains</c>, <c>exists</c>. A JSON number is compared numerically with a <see cref="Value"/>
/// that reads as a number; a string ordinally; <c>true</c>/<c>false</c>/<c>null</c> by their
/// literal; an object or array (for <c>==</c>/<c>!=</c>) structurally against <see cref="Value"/>
/// parsed as JSON. <c>contains</c> is a substring test on a string, an element test on an array and
/// a property-name test on an object. <c>exists</c> asserts the path resolves (Value empty or
/// <c>true</c>) or, with Value <c>false</c>, that the JSON parses but the path does not resolve.</para>
/// <para>No JSON in the text scores 0 for every operator; a missing path scores 0 for every
/// operator but <c>exists</c> (even <c>!=</c>: a field that is absent is not a field with another value).</para>
/// </remarks>
/// <param name="Path">The path to the value, e.g. <c>$.result.items[0].name</c>.</param>
/// <param name="Operator">One of <c>== != &lt; &lt;= &gt; &gt;= contains exists</c>.</param>
/// <param name="Value">The value compared with, as text.</param>
public sealed record JsonPathRule(string Path, string Operator, string Value) : RubricRule
{
    private static readonly ImmutableArray<string> Operators = ["==", "!=", "<", "<=", ">", ">=", "contains", "exists"];

    // Bounds the work on long prose with many brackets that are not JSON.
    private const int MaxCandidateBlocks = 64;

    private static readonly SearchValues<char> ForbiddenInMemberNames = SearchValues.Create(" \t\r\n]'\"*");

    private readonly ImmutableArray<Segment> _segments = ParsePath(Path);

    /// <summary>The path to the value.</summary>
    public string Path { get; } = Path;

    /// <summary>The comparison operator.</summary>
    public string Operator { get; } = Operators.Contains(Operator ?? throw new ArgumentNullException(nameof(Operator)), StringComparer.Ordinal)
        ? Operator
        : throw new ArgumentException($"unknown JSON path operator '{Operator}' (expected one of {string.Join(", ", Operators)})", nameof(Operator));

    /// <summary>The value compared with.</summary>
    public string Value { get; } = Value ?? throw new ArgumentNullException(nameof(Value));

    /// <inheritdoc/>
    public override Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Task.FromResult(Evaluate(input.Text) ? 1.0 : 0.0);
    }

    /// <inheritdoc/>
    public bool Equals(JsonPathRule? other) =>
        other is not null
        && string.Equals(Path, other.Path, StringComparison.Ordinal)
        && string.Equals(Operator, other.Operator, StringComparison.Ordinal)
        && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(
        StringComparer.Ordinal.GetHashCode(Path), StringComparer.Ordinal.GetHashCode(Operator), StringComparer.Ordinal.GetHashCode(Value));

    private bool Evaluate(string text)
    {
        using var document = FindJson(text);
        if (document is null)
        {
            return false;
        }

        var found = Resolve(document.RootElement, out var node);
        if (Operator == "exists")
        {
            return found == !string.Equals(Value.Trim(), "false", StringComparison.OrdinalIgnoreCase);
        }

        if (!found)
        {
            return false;
        }

        return Operator switch
        {
            "==" => AreEqual(node, Value),
            "!=" => !AreEqual(node, Value),
            "contains" => Contains(node, Value),
            _ => Compare(node, Value) is { } order && Operator switch
            {
                "<" => order < 0,
                "<=" => order <= 0,
                ">" => order > 0,
                _ => order >= 0,
            },
        };
    }

    private bool Resolve(JsonElement root, out JsonElement node)
    {
        node = root;
        foreach (var segment in _segments)
        {
            if (segment.Name is { } name)
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
                {
                    return false;
                }
            }
            else if (node.ValueKind != JsonValueKind.Array || segment.Index >= node.GetArrayLength())
            {
                return false;
            }
            else
            {
                node = node[segment.Index];
            }
        }

        return true;
    }

    private static bool AreEqual(JsonElement node, string value) => node.ValueKind switch
    {
        JsonValueKind.Number => TryNumber(value, out var number) && node.TryGetDouble(out var actual) && actual == number,
        JsonValueKind.String => string.Equals(node.GetString(), value, StringComparison.Ordinal),
        JsonValueKind.True => string.Equals(value.Trim(), "true", StringComparison.Ordinal),
        JsonValueKind.False => string.Equals(value.Trim(), "false", StringComparison.Ordinal),
        JsonValueKind.Null => string.Equals(value.Trim(), "null", StringComparison.Ordinal),
        _ => StructurallyEqual(node, value),
    };

    private static bool StructurallyEqual(JsonElement node, string value)
    {
        using var parsed = TryParse(value);
        return parsed is not null && JsonElement.DeepEquals(node, parsed.RootElement);
    }

    private static bool Contains(JsonElement node, string value)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.String:
                return node.GetString()!.Contains(value, StringComparison.Ordinal);
            case JsonValueKind.Array:
                foreach (var element in node.EnumerateArray())
                {
                    if (AreEqual(element, value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Object:
                return node.TryGetProperty(value, out _);
            default:
                return false;
        }
    }

    private static int? Compare(JsonElement node, string value) => node.ValueKind switch
    {
        JsonValueKind.Number when TryNumber(value, out var number) && node.TryGetDouble(out var actual) => actual.CompareTo(number),
        JsonValueKind.String => Math.Sign(string.CompareOrdinal(node.GetString(), value)),
        _ => null,
    };

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The whole text as JSON, else the first balanced <c>{...}</c> or <c>[...]</c> block that parses.</summary>
    private static JsonDocument? FindJson(string text)
    {
        if (TryParse(text) is { } whole)
        {
            return whole;
        }

        var tried = 0;
        for (var start = text.IndexOfAny(['{', '[']); start >= 0 && tried < MaxCandidateBlocks; start = text.IndexOfAny(['{', '['], start + 1))
        {
            tried++;
            if (BlockEnd(text, start) is { } end && TryParse(text[start..(end + 1)]) is { } block)
            {
                return block;
            }
        }

        return null;
    }

    /// <summary>The index of the bracket closing the one at <paramref name="start"/>, skipping brackets inside strings.</summary>
    private static int? BlockEnd(string text, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    depth--;
                    if (depth == 0)
                    {
                        return i;
                    }

                    break;
            }
        }

        return null;
    }

    private static ImmutableArray<Segment> ParsePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = ImmutableArray.CreateBuilder<Segment>();
        if (!path.StartsWith('$'))
        {
            throw InvalidPath(path, "it must start with '$'");
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] != '.' && path[i] != '[')
                {
                    i++;
                }

                var name = path[start..i];
                if (name.Length == 0 || name.AsSpan().ContainsAny(ForbiddenInMemberNames))
                {
                    throw InvalidPath(path, $"bad member name at position {start}");
                }

                segments.Add(new Segment(name, -1));
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i + 1);
                var inner = close < 0 ? "" : path[(i + 1)..close];
                if (inner.Length >= 2 && (inner[0] is '\'' or '"') && inner[^1] == inner[0])
                {
                    var name = inner[1..^1];
                    if (name.Contains(inner[0], StringComparison.Ordinal))
                    {
                        throw InvalidPath(path, $"bad quoted member name at position {i}");
                    }

                    segments.Add(new Segment(name, -1));
                }
                else if (inner.Length > 0 && inner.All(char.IsAsciiDigit) && int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(new Segment(null, index));
                }
                else
                {
                    throw InvalidPath(path, $"expected [index] or ['name'] at position {i}");
                }

                i = close + 1;
            }
            else
            {
                throw InvalidPath(path, $"unexpected '{path[i]}' at position {i}");
            }
        }

        return segments.ToImmutable();
    }

    private static ArgumentException InvalidPath(string path, string why) =>
        new($"invalid JSON path '{path}': {why} (expected e.g. $.a.b[0].c)");

    /// <summary>A member name, or an array index when <see cref="Name"/> is null.</summary>
    private readonly record struct Segment(string? Name, int Index);
}
