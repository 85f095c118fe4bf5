using System.Globalization;
using Gym.Core.Registry;
using Gym.Scenarios.Yaml;

namespace Gym.Scenarios.Schema;

/// <summary>
/// Walks a source tree against the schema description, reporting every problem with its position, and
/// binds the values of each valid mapping to its record. A mapping with any error below it is not built,
/// so record factories only ever see complete, valid values.
/// </summary>
internal sealed class Validator(ErrorSink errors, EnvironmentRegistry? registry)
{
    private const int MaxSuggestionDistance = 3;

    private readonly Dictionary<string, ScenarioLocation> _locations = new(StringComparer.Ordinal);

    /// <summary>Where each validated value was written, by YAML path.</summary>
    public IReadOnlyDictionary<string, ScenarioLocation> Locations => _locations;

    public bool TryValidate(SourceNode node, SchemaType type, string path, out object? value)
    {
        value = null;
        _locations.TryAdd(path, new ScenarioLocation(node.Mark.File.DisplayPath, node.Mark.Line, node.Mark.Column));
        if (node is BrokenNode)
        {
            // Already reported where it was read (an unknown alias); a second error would only repeat it.
            return false;
        }

        switch (type)
        {
            case ScalarSchema scalar:
                return TryScalar(node, scalar, path, out value);
            case ListSchema list:
                return TryList(node, list, path, out value);
            case MapSchema:
                return TryMap(node, path, out value);
            case ObjectSchema obj:
                return TryObject(node, obj, path, kindKey: null, out value);
            case UnionSchema union:
                return TryUnion(node, union, path, out value);
            case ShorthandSchema shorthand:
                if (node is ScalarNode)
                {
                    if (!TryScalar(node, shorthand.Shorthand, path, out var kind))
                    {
                        return false;
                    }

                    value = shorthand.Expand(kind!);
                    return true;
                }

                return TryObject(node, shorthand.Full, path, kindKey: null, out value);
            default:
                throw new InvalidOperationException($"unhandled schema type {type.GetType().Name}");
        }
    }

    /// <summary>The nearest candidate within a small edit distance, for "did you mean" hints.</summary>
    public static string? Nearest(string value, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EnvironmentRegistry.EditDistance(value, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return bestDistance <= MaxSuggestionDistance && bestDistance < Math.Max(value.Length, 1) ? best : null;
    }

    private bool WrongType(SourceNode node, SchemaType type, string path)
    {
        errors.Add(node, $"wrong type for {path}: found {NodeText.Found(node)}", $"expected {type.Expected}");
        return false;
    }

    private bool TryScalar(SourceNode node, ScalarSchema schema, string path, out object? value)
    {
        value = null;
        if (node is not ScalarNode { IsNull: false } scalar)
        {
            return WrongType(node, schema, path);
        }

        var text = scalar.Value;
        switch (schema.Kind)
        {
            case ScalarKind.Integer or ScalarKind.Long:
                if (!scalar.IsPlain || !NodeText.IntegerPattern().IsMatch(text))
                {
                    return WrongType(node, schema, path);
                }

                var max = schema.Kind == ScalarKind.Integer ? int.MaxValue : long.MaxValue;
                var min = schema.Kind == ScalarKind.Integer ? int.MinValue : long.MinValue;
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) || whole < min || whole > max || !schema.InRange(whole))
                {
                    return OutOfRange(node, schema, path, text);
                }

                value = schema.Kind == ScalarKind.Integer ? (object)(int)whole : whole;
                return true;

            case ScalarKind.Number:
                if (!scalar.IsPlain || NodeText.IsBoolean(text) || !NodeText.IsNumber(text))
                {
                    return WrongType(node, schema, path);
                }

                var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(number) || !schema.InRange(number))
                {
                    return OutOfRange(node, schema, path, text);
                }

                value = number;
                return true;

            case ScalarKind.Boolean:
                if (!scalar.IsPlain || !NodeText.IsBoolean(text))
                {
                    return WrongType(node, schema, path);
                }

                value = text is "true" or "True" or "TRUE";
                return true;

            case ScalarKind.Any:
                value = text;
                return true;

            default:
                // The JSON Schema types every string field as a string, so a plain 42 or true is a wrong type here too.
                if (scalar.IsPlain && (NodeText.IsBoolean(text) || NodeText.IsNumber(text)))
                {
                    errors.Add(node, $"wrong type for {path}: found {NodeText.Found(node)}", $"expected {schema.Expected}; quote it to write it as text");
                    return false;
                }

                return TryString(scalar, schema, path, out value);
        }
    }

    private bool TryString(ScalarNode scalar, ScalarSchema schema, string path, out object? value)
    {
        value = null;
        var text = scalar.Value;
        if (text.Length < schema.MinLength || (text.Length == 0 && (schema.Allowed is not null || schema.Pattern is not null || schema.FileNoun is not null)))
        {
            errors.Add(scalar, $"{path} must not be empty", $"expected {schema.Expected}");
            return false;
        }

        if (schema.Allowed is { } allowed)
        {
            if (!allowed.Contains(text))
            {
                var noun = schema.AllowedNoun ?? "value";
                var list = string.Join(", ", allowed);
                var nearest = Nearest(text, allowed);
                errors.Add(scalar, $"unknown {noun} {NodeText.Quote(text)} for {path}", nearest is null ? $"allowed: {list}" : $"did you mean '{nearest}'? allowed: {list}");
                return false;
            }

            value = schema.Convert is null ? text : schema.Convert(text);
            return true;
        }

        if (schema.Regex is { } regex && !regex.IsMatch(text))
        {
            errors.Add(scalar, $"{path} {NodeText.Quote(text)} is not valid", $"expected {schema.Expected}");
            return false;
        }

        if (schema.FileNoun is { } fileNoun && !schema.Keywords.Contains(text))
        {
            if (schema.RequiredExtension is { } extension && !text.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(scalar, $"{fileNoun} {NodeText.Quote(text)} is not a {extension} file", $"expected {schema.Expected}");
                return false;
            }

            var full = scalar.Mark.File.Resolve(text);
            if (!File.Exists(full))
            {
                errors.Add(scalar, $"{fileNoun} file {NodeText.Quote(text)} not found", $"expected {schema.Expected}");
                return false;
            }

            value = full;
            return true;
        }

        if (schema.Check?.Invoke(text, path) is { } problem)
        {
            errors.Add(scalar, problem.Message, problem.Hint);
            return false;
        }

        value = text;
        return true;
    }

    private bool OutOfRange(SourceNode node, ScalarSchema schema, string path, string text)
    {
        errors.Add(node, $"{path} is out of range: {text}", $"expected {schema.Expected}");
        return false;
    }

    private bool TryList(SourceNode node, ListSchema schema, string path, out object? value)
    {
        value = null;
        if (node is not SequenceNode sequence)
        {
            return WrongType(node, schema, path);
        }

        var ok = true;
        if (sequence.Items.Count < schema.MinItems)
        {
            errors.Add(node, $"{path} has {Count(sequence.Items.Count, "item")}", $"expected {schema.Expected}");
            ok = false;
        }

        var items = new List<object?>(sequence.Items.Count);
        var seen = new Dictionary<string, ScalarNode>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            if (!TryValidate(item, schema.Items, NodeText.Item(path, i), out var itemValue))
            {
                ok = false;
                continue;
            }

            if (schema.UniqueNoun is { } noun && item is ScalarNode scalar)
            {
                if (seen.TryGetValue(scalar.Value, out var first))
                {
                    errors.Add(item, $"duplicate {noun} {NodeText.Quote(scalar.Value)} in {path}", $"it is first listed at {first.Mark.Line}:{first.Mark.Column}");
                    ok = false;
                    continue;
                }

                seen.Add(scalar.Value, scalar);
            }

            items.Add(itemValue);
        }

        value = items;
        return ok;
    }

    private bool TryMap(SourceNode node, string path, out object? value)
    {
        value = null;
        if (node is not MappingNode mapping)
        {
            return WrongType(node, new MapSchema(), path);
        }

        var ok = true;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            if (entry.Value is BrokenNode)
            {
                ok = false;
                continue;
            }

            if (entry.Value is not ScalarNode { IsNull: false } scalar)
            {
                WrongType(entry.Value, new ScalarSchema { Kind = ScalarKind.Any }, NodeText.Child(path, entry.Key.Value));
                ok = false;
                continue;
            }

            map[entry.Key.Value] = scalar.Value;
        }

        value = map;
        return ok;
    }

    private bool TryUnion(SourceNode node, UnionSchema schema, string path, out object? value)
    {
        value = null;
        if (node is not MappingNode mapping)
        {
            return WrongType(node, schema, path);
        }

        var kindSchema = schema.KindSchema;
        if (mapping.Find("kind") is not { } kindEntry)
        {
            errors.Add(node, $"missing required key 'kind' in {NodeText.Context(path)}", $"kind is {kindSchema.Expected}");
            return false;
        }

        if (!TryScalar(kindEntry.Value, kindSchema, NodeText.Child(path, "kind"), out var kind))
        {
            return false;
        }

        var variant = schema.Variants.First(v => v.KindValue == (string)kind!);
        return TryObject(node, variant, path, kindKey: "kind", out value);
    }

    private bool TryObject(SourceNode node, ObjectSchema schema, string path, string? kindKey, out object? value)
    {
        value = null;
        if (node is not MappingNode mapping)
        {
            return WrongType(node, schema, path);
        }

        var ok = true;
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            var key = entry.Key.Value;
            if (key == kindKey)
            {
                continue;
            }

            if (schema.Find(key) is not { } field)
            {
                UnknownKey(entry.Key, schema, path, kindKey);
                ok = false;
                continue;
            }

            if (TryValidate(entry.Value, field.Type, NodeText.Child(path, key), out var fieldValue))
            {
                values[key] = fieldValue;
            }
            else
            {
                ok = false;
            }
        }

        foreach (var field in schema.Fields)
        {
            if (field.Required && mapping.Find(field.Name) is null)
            {
                errors.Add(node, $"missing required key '{field.Name}' in {NodeText.Context(path)}", $"{field.Name} is {field.Type.Expected}");
                ok = false;
            }
        }

        ok &= CheckAlternatives(mapping, schema, path);
        ok &= CheckConditionals(mapping, schema, path);
        if (ok && schema.Check is { } check)
        {
            var context = new ObjectCheck(errors, registry, mapping, path, values);
            check(context);
            ok = !context.Failed;
        }

        if (ok)
        {
            value = schema.Build(new Bound(schema, values));
        }

        return ok;
    }

    private void UnknownKey(ScalarNode key, ObjectSchema schema, string path, string? kindKey)
    {
        var valid = schema.Fields.Select(f => f.Name).ToList();
        if (kindKey is not null)
        {
            valid.Insert(0, kindKey);
        }

        var nearest = Nearest(key.Value, valid);
        var where = schema.KindValue is null ? NodeText.Context(path) : $"{NodeText.Context(path)} ({schema.KindValue})";
        errors.Add(key, $"unknown key {NodeText.Quote(key.Value)} in {where}", nearest is null ? $"valid keys: {string.Join(", ", valid)}" : $"did you mean '{nearest}'?");
    }

    private bool CheckAlternatives(MappingNode mapping, ObjectSchema schema, string path)
    {
        if (schema.Alternatives.Count == 0)
        {
            return true;
        }

        var present = schema.Alternatives.Where(a => mapping.Find(a.Key) is not null).ToList();
        var names = string.Join(" or ", schema.Alternatives.Select(a => $"'{a.Key}'"));
        if (present.Count == 0)
        {
            errors.Add(mapping, $"{NodeText.Context(path)} needs {names}", string.Join("; ", schema.Alternatives.Select(a => $"{a.Key} is {schema.Find(a.Key)!.Type.Expected}")));
            return false;
        }

        if (present.Count > 1)
        {
            var second = mapping.Find(present[1].Key)!;
            errors.Add(second.Key, $"{NodeText.Context(path)} has both '{present[0].Key}' and '{present[1].Key}'", "use exactly one of them");
            return false;
        }

        var ok = true;
        var chosen = present[0];
        foreach (var other in schema.Alternatives.Where(a => a != chosen))
        {
            foreach (var companion in other.Companions)
            {
                if (mapping.Find(companion) is { } entry)
                {
                    errors.Add(entry.Key, $"'{companion}' is not allowed with '{chosen.Key}' in {NodeText.Context(path)}", $"'{companion}' goes with '{other.Key}'");
                    ok = false;
                }
            }
        }

        return ok;
    }

    private bool CheckConditionals(MappingNode mapping, ObjectSchema schema, string path)
    {
        var ok = true;
        foreach (var rule in schema.Conditionals)
        {
            var when = mapping.Find(rule.WhenKey)?.Value as ScalarNode;
            var whenValue = when?.Value ?? schema.Find(rule.WhenKey)?.Default;
            var entry = mapping.Find(rule.Field);
            if (whenValue == rule.WhenValue && entry is null)
            {
                errors.Add(mapping, $"missing required key '{rule.Field}' in {NodeText.Context(path)}", $"{rule.Field} is required when {rule.WhenKey} is '{rule.WhenValue}'");
                ok = false;
            }
            else if (whenValue != rule.WhenValue && entry is not null && whenValue is not null && schema.Find(rule.WhenKey)!.Type is ScalarSchema { Allowed: { } allowed } && allowed.Contains(whenValue))
            {
                errors.Add(entry.Key, $"'{rule.Field}' is not allowed in {NodeText.Context(path)} when {rule.WhenKey} is '{whenValue}'", $"{rule.Field} applies only when {rule.WhenKey} is '{rule.WhenValue}'");
                ok = false;
            }
        }

        return ok;
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count.ToString(CultureInfo.InvariantCulture)} {noun}s";
}
