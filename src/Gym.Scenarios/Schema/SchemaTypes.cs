using System.Globalization;
using System.Text.RegularExpressions;
using Gym.Core.Registry;

namespace Gym.Scenarios.Schema;

/// <summary>
/// One node of the scenario schema description. The same description drives the loader's checks,
/// the generated JSON Schema and the key tables in docs/scenarios.md, so the three cannot drift.
/// </summary>
internal abstract class SchemaType
{
    /// <summary>What a valid value looks like, for "expected …" hints: <c>a whole number from 1 to 1024</c>.</summary>
    public abstract string Expected { get; }

    /// <summary>The plural noun for "a list of …": <c>strings</c>, <c>tasks</c>.</summary>
    public abstract string Plural { get; }

    /// <summary>The type as shown in the docs' key tables (Markdown).</summary>
    public abstract string DocType { get; }
}

internal enum ScalarKind
{
    String,
    Integer,
    Long,
    Number,
    Boolean,
    /// <summary>Any string, number or boolean, kept as its text.</summary>
    Any,
}

/// <summary>A scalar: a string, number or boolean, with its range, pattern, allowed values or file rule.</summary>
internal sealed class ScalarSchema : SchemaType
{
    private Regex? _regex;

    public required ScalarKind Kind { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public bool ExclusiveBounds { get; init; }

    public int MinLength { get; init; }

    /// <summary>Allowed values of an enumeration, in documentation order.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>Turns an allowed value into its typed form (an enum member); the text itself when null.</summary>
    public Func<string, object>? Convert { get; init; }

    /// <summary>How unknown values are named: "operator" gives "unknown operator 'x'"; null gives "unknown value 'x'".</summary>
    public string? AllowedNoun { get; init; }

    /// <summary>An unanchored regular expression the whole value must match (ECMAScript-compatible, for the JSON Schema too).</summary>
    public string? Pattern { get; init; }

    /// <summary>What the pattern means, for hints and docs.</summary>
    public string? PatternExpected { get; init; }

    /// <summary>A typical value, for docs and editors' completion.</summary>
    public string? Example { get; init; }

    /// <summary>When set, the value is a path relative to the file that wrote it, and the file must exist.</summary>
    public string? FileNoun { get; init; }

    /// <summary>When set with <see cref="FileNoun"/>, the file name must end with it (<c>.tiktoken</c>).</summary>
    public string? RequiredExtension { get; init; }

    /// <summary>Values that are names rather than paths (tokenizer encodings).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>
    /// For strings: a check of the text beyond the table, given the text and its YAML path; returns the
    /// error's message and hint, or null when the text is valid.
    /// </summary>
    public Func<string, string, (string Message, string? Hint)?>? Check { get; init; }

    /// <summary>
    /// For strings: a pattern written to the JSON Schema only, so editors flag what <see cref="Check"/>
    /// rejects; the loader reports the precise problem through <see cref="Check"/>.
    /// </summary>
    public string? EditorPattern { get; init; }

    public Regex? Regex => Pattern is null ? null : _regex ??= new Regex($"^(?:{Pattern})\\z", RegexOptions.CultureInvariant);

    public override string Expected => Kind switch
    {
        _ when Allowed is not null => $"one of {string.Join(", ", Allowed)}",
        _ when PatternExpected is not null => PatternExpected,
        _ when FileNoun is not null && Keywords.Count > 0 => $"{string.Join(", ", Keywords)}, or {PathText}",
        _ when FileNoun is not null => PathText,
        ScalarKind.String => MinLength > 0 ? "a non-empty string" : "a string",
        ScalarKind.Integer or ScalarKind.Long => "a whole number" + RangeText(),
        ScalarKind.Number => "a number" + RangeText(),
        ScalarKind.Boolean => "true or false",
        _ => "a string, number or boolean",
    };

    private string PathText => RequiredExtension is null
        ? "a path relative to the file it is written in"
        : $"the path of a {RequiredExtension} file relative to the file it is written in";

    public override string Plural => Kind switch
    {
        ScalarKind.Integer or ScalarKind.Long => "whole numbers",
        ScalarKind.Number => "numbers",
        ScalarKind.Boolean => "booleans",
        ScalarKind.Any => "scalars",
        _ when FileNoun is not null => "paths",
        _ => "strings",
    };

    public override string DocType => Kind switch
    {
        _ when Allowed is not null => string.Join(", ", Allowed.Select(a => $"`{a}`")),
        _ when FileNoun is not null && Keywords.Count > 0 => string.Join(", ", Keywords.Select(k => $"`{k}`")) + $" or a {RequiredExtension ?? "file"} path",
        _ when FileNoun is not null => "file path",
        _ when Example is not null => $"string like `{Example}`",
        _ when Pattern is not null => "string (pattern)",
        ScalarKind.String => "string",
        ScalarKind.Integer or ScalarKind.Long => "integer" + DocRange(),
        ScalarKind.Number => "number" + DocRange(),
        ScalarKind.Boolean => "boolean",
        _ => "scalar",
    };

    /// <summary>Parses a default written in the schema table, so defaults go through the same code as file values.</summary>
    public object ParseDefault(string text) => Kind switch
    {
        ScalarKind.Integer => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture),
        ScalarKind.Long => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture),
        ScalarKind.Number => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        ScalarKind.Boolean => bool.Parse(text),
        _ => Convert is null ? text : Convert(text),
    };

    public bool InRange(double value) =>
        (Minimum is not { } min || (ExclusiveBounds ? value > min : value >= min))
        && (Maximum is not { } max || (ExclusiveBounds ? value < max : value <= max));

    private string RangeText() => (Minimum, Maximum) switch
    {
        ({ } min, { } max) when ExclusiveBounds => $" greater than {Format(min)} and less than {Format(max)}",
        ({ } min, { } max) => $" from {Format(min)} to {Format(max)}",
        ({ } min, null) => $" of at least {Format(min)}",
        (null, { } max) => $" of at most {Format(max)}",
        _ => "",
    };

    private string DocRange() => (Minimum, Maximum) switch
    {
        ({ } min, { } max) when ExclusiveBounds => $", {Format(min)} < x < {Format(max)}",
        ({ } min, { } max) => $", {Format(min)} to {Format(max)}",
        ({ } min, null) => $", ≥ {Format(min)}",
        (null, { } max) => $", ≤ {Format(max)}",
        _ => "",
    };

    public static string Format(double value) => value.ToString("0.############", CultureInfo.InvariantCulture);

    public static ScalarSchema Enum<TEnum>()
        where TEnum : struct, Enum
    {
        var names = System.Enum.GetValues<TEnum>().ToDictionary(v => EnvironmentParameters.ToKebab(v.ToString()), v => (object)v, StringComparer.Ordinal);
        return new ScalarSchema { Kind = ScalarKind.String, Allowed = [.. names.Keys], Convert = text => names[text] };
    }
}

/// <summary>A list of items of one type.</summary>
internal sealed class ListSchema(SchemaType items, int minItems = 0, string? uniqueNoun = null) : SchemaType
{
    public SchemaType Items { get; } = items;

    public int MinItems { get; } = minItems;

    /// <summary>When set, items must be distinct; the noun names them in the error ("duplicate tool 'x'").</summary>
    public string? UniqueNoun { get; } = uniqueNoun;

    public override string Expected => MinItems > 0
        ? $"a list of at least {MinItems} {(MinItems == 1 ? Singular(Items.Plural) : Items.Plural)}"
        : $"a list of {Items.Plural}";

    public override string Plural => "lists";

    public override string DocType => $"list of {Items.DocType}" + (MinItems > 0 ? $", at least {MinItems}" : "") + (UniqueNoun is null ? "" : ", unique");

    private static string Singular(string plural) => plural.EndsWith('s') ? plural[..^1] : plural;
}

/// <summary>A mapping of names to scalar values, kept as text (task and component parameters).</summary>
internal sealed class MapSchema : SchemaType
{
    public override string Expected => "a mapping of names to strings, numbers or booleans";

    public override string Plural => "mappings";

    public override string DocType => "mapping of name → scalar";
}

/// <summary>A field of an object type.</summary>
/// <param name="Name">The snake_case key.</param>
/// <param name="Type">Its type.</param>
/// <param name="Description">What it means, for docs, the JSON Schema and editors' hover text.</param>
/// <param name="Required">Whether it must be present.</param>
/// <param name="Default">The default, written as YAML text; for docs and, for scalars, the value bound when absent.</param>
/// <param name="WhenAbsent">What leaving the key out means when there is no single default value, for docs.</param>
internal sealed record Field(string Name, SchemaType Type, string Description, bool Required = false, string? Default = null, string? WhenAbsent = null);

/// <summary>Exactly one of several keys must be present; the companions of the others are then not allowed.</summary>
internal sealed record Alternative(string Key, IReadOnlyList<string> Companions);

/// <summary><see cref="Field"/> is required when <see cref="WhenKey"/> equals <see cref="WhenValue"/>, and not allowed otherwise.</summary>
internal sealed record Conditional(string Field, string WhenKey, string WhenValue);

/// <summary>A mapping with a fixed set of keys, bound to one record type.</summary>
internal sealed class ObjectSchema(string name, string title, string description, Func<IReadOnlyList<Field>> fields, Func<Bound, object> build) : SchemaType
{
    private IReadOnlyList<Field>? _fields;

    /// <summary>The key under <c>$defs</c> in the JSON Schema and the anchor in the docs.</summary>
    public string Name { get; } = name;

    /// <summary>The heading in the docs, like <c>operator: multi-objective</c>.</summary>
    public string Title { get; } = title;

    public string Description { get; } = description;

    /// <summary>Fields, created on first use so that recursive types (combinators) can refer to themselves.</summary>
    public IReadOnlyList<Field> Fields => _fields ??= fields();

    public Func<Bound, object> Build { get; } = build;

    /// <summary>The value of <c>kind</c> when this object is a variant of a <see cref="UnionSchema"/>.</summary>
    public string? KindValue { get; init; }

    public IReadOnlyList<Alternative> Alternatives { get; init; } = [];

    public IReadOnlyList<Conditional> Conditionals { get; init; } = [];

    /// <summary>Checks beyond the table (registered environment ids and their parameters).</summary>
    public Action<ObjectCheck>? Check { get; init; }

    public Field? Find(string key) => Fields.FirstOrDefault(f => f.Name == key);

    public override string Expected
    {
        get
        {
            if (Alternatives.Count > 0)
            {
                return "a mapping with " + string.Join(" or ", Alternatives.Select(a => $"'{a.Key}'"));
            }

            var required = Fields.Where(f => f.Required).Select(f => $"'{f.Name}'").ToList();
            return required.Count > 0 ? "a mapping with " + string.Join(" and ", required) : $"a mapping with keys such as {string.Join(", ", Fields.Take(3).Select(f => $"'{f.Name}'"))}";
        }
    }

    public override string Plural => $"{Title}s";

    public override string DocType => $"[{Title}](#{Anchor})";

    public string Anchor => MarkdownAnchor(Title);

    /// <summary>What "kind" selects, for a variant: "this operator".</summary>
    public string KindDescription => $"Selects this {Title.Split(':')[0]}.";

    public static string MarkdownAnchor(string heading) =>
        new string(heading.ToLowerInvariant().Replace(' ', '-').Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray());
}

/// <summary>A mapping whose <c>kind</c> picks one of several object types (operators, policies).</summary>
internal sealed class UnionSchema(string name, string noun, IReadOnlyList<ObjectSchema> variants) : SchemaType
{
    public string Name { get; } = name;

    /// <summary>What a variant is called in messages: "operator".</summary>
    public string Noun { get; } = noun;

    public IReadOnlyList<ObjectSchema> Variants { get; } = variants;

    public ScalarSchema KindSchema => new()
    {
        Kind = ScalarKind.String,
        Allowed = [.. Variants.Select(v => v.KindValue!)],
        AllowedNoun = Noun,
    };

    public override string Expected => $"a mapping with a 'kind' ({string.Join(", ", Variants.Select(v => v.KindValue))})";

    public override string Plural => $"{Noun}s";

    public override string DocType => $"{Noun}: " + string.Join(", ", Variants.Select(v => $"[`{v.KindValue}`](#{v.Anchor})"));
}

/// <summary>Either a scalar shorthand or the full mapping (<c>combine: weighted-sum</c> or <c>combine: {kind: gate, …}</c>).</summary>
internal sealed class ShorthandSchema(ScalarSchema shorthand, ObjectSchema full, Func<object, object> expand) : SchemaType
{
    public ScalarSchema Shorthand { get; } = shorthand;

    public ObjectSchema Full { get; } = full;

    /// <summary>Turns the shorthand's value into the full form's value.</summary>
    public Func<object, object> Expand { get; } = expand;

    public override string Expected => $"{Shorthand.Expected}, or a mapping with a 'kind'";

    public override string Plural => Full.Plural;

    public override string DocType => $"{Full.Title} kind or {Full.DocType}";
}
