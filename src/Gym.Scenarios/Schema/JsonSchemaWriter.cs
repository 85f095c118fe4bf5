using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gym.Scenarios.Schema;

/// <summary>Writes the schema description as JSON Schema draft 2020-12, for editors (yaml-language-server) and other tools.</summary>
internal static class JsonSchemaWriter
{
    private static readonly string[] AnyScalar = ["string", "number", "boolean"];

    public static string Write(ObjectSchema root)
    {
        var options = new JsonWriterOptions
        {
            Indented = true,
            IndentSize = 2,
            NewLine = "\n",
            // Descriptions carry quotes and tags such as <think>; keep them readable in the committed file.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            writer.WriteStartObject();
            writer.WriteString("$schema", "https://json-schema.org/draft/2020-12/schema");
            writer.WriteString("title", "Gym scenario");
            WriteObjectBody(writer, root, isRoot: true);
            writer.WriteStartObject("$defs");
            foreach (var definition in SchemaWalk.Objects(root).Skip(1))
            {
                writer.WriteStartObject(definition.Name);
                WriteObjectBody(writer, definition, isRoot: false);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteObjectBody(Utf8JsonWriter writer, ObjectSchema schema, bool isRoot)
    {
        if (!isRoot)
        {
            writer.WriteString("title", schema.Title);
        }

        writer.WriteString("description", schema.Description);
        writer.WriteString("type", "object");
        writer.WriteStartObject("properties");
        if (schema.KindValue is { } kind)
        {
            writer.WriteStartObject("kind");
            writer.WriteString("description", schema.KindDescription);
            writer.WriteString("const", kind);
            writer.WriteEndObject();
        }

        foreach (var field in schema.Fields)
        {
            writer.WriteStartObject(field.Name);
            writer.WriteString("description", field.Description);
            WriteType(writer, field.Type);
            if (field.Default is { } text)
            {
                WriteDefault(writer, field.Type, text);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();

        var required = schema.Fields.Where(f => f.Required).Select(f => f.Name).ToList();
        if (schema.KindValue is not null)
        {
            required.Insert(0, "kind");
        }

        if (isRoot)
        {
            // A file that extends another may leave the required keys to its base.
            writer.WriteStartArray("anyOf");
            WriteRequired(writer, ["extends"]);
            WriteRequired(writer, required);
            writer.WriteEndArray();
        }
        else if (required.Count > 0)
        {
            WriteStrings(writer, "required", required);
        }

        if (schema.Alternatives.Count > 0)
        {
            writer.WriteStartArray("oneOf");
            foreach (var alternative in schema.Alternatives)
            {
                writer.WriteStartObject();
                WriteStrings(writer, "required", [alternative.Key]);
                writer.WriteStartObject("properties");
                foreach (var other in schema.Alternatives.Where(a => a != alternative))
                {
                    writer.WriteBoolean(other.Key, false);
                    foreach (var companion in other.Companions)
                    {
                        writer.WriteBoolean(companion, false);
                    }
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (schema.Conditionals.Count > 0)
        {
            writer.WriteStartArray("allOf");
            foreach (var rule in schema.Conditionals)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("if");
                writer.WriteStartObject("properties");
                writer.WriteStartObject(rule.WhenKey);
                writer.WriteString("const", rule.WhenValue);
                writer.WriteEndObject();
                writer.WriteEndObject();
                WriteStrings(writer, "required", [rule.WhenKey]);
                writer.WriteEndObject();
                writer.WriteStartObject("then");
                WriteStrings(writer, "required", [rule.Field]);
                writer.WriteEndObject();
                writer.WriteStartObject("else");
                writer.WriteStartObject("properties");
                writer.WriteBoolean(rule.Field, false);
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteBoolean("additionalProperties", false);
    }

    private static void WriteRequired(Utf8JsonWriter writer, IReadOnlyList<string> keys)
    {
        writer.WriteStartObject();
        WriteStrings(writer, "required", keys);
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes the keywords of a type into the current object.</summary>
    private static void WriteType(Utf8JsonWriter writer, SchemaType type)
    {
        switch (type)
        {
            case ScalarSchema scalar:
                WriteScalar(writer, scalar);
                break;
            case ListSchema list:
                writer.WriteString("type", "array");
                writer.WriteStartObject("items");
                WriteType(writer, list.Items);
                writer.WriteEndObject();
                if (list.MinItems > 0)
                {
                    writer.WriteNumber("minItems", list.MinItems);
                }

                if (list.UniqueNoun is not null)
                {
                    writer.WriteBoolean("uniqueItems", true);
                }

                break;
            case MapSchema:
                writer.WriteString("type", "object");
                writer.WriteStartObject("additionalProperties");
                WriteStrings(writer, "type", AnyScalar);
                writer.WriteEndObject();
                break;
            case ObjectSchema obj:
                writer.WriteString("$ref", $"#/$defs/{obj.Name}");
                break;
            case UnionSchema union:
                writer.WriteStartArray("oneOf");
                foreach (var variant in union.Variants)
                {
                    writer.WriteStartObject();
                    writer.WriteString("$ref", $"#/$defs/{variant.Name}");
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                break;
            case ShorthandSchema shorthand:
                writer.WriteStartArray("oneOf");
                writer.WriteStartObject();
                WriteScalar(writer, shorthand.Shorthand);
                writer.WriteEndObject();
                writer.WriteStartObject();
                writer.WriteString("$ref", $"#/$defs/{shorthand.Full.Name}");
                writer.WriteEndObject();
                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"unhandled schema type {type.GetType().Name}");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, ScalarSchema scalar)
    {
        switch (scalar.Kind)
        {
            case ScalarKind.Integer or ScalarKind.Long:
                writer.WriteString("type", "integer");
                WriteBounds(writer, scalar);
                return;
            case ScalarKind.Number:
                writer.WriteString("type", "number");
                WriteBounds(writer, scalar);
                return;
            case ScalarKind.Boolean:
                writer.WriteString("type", "boolean");
                return;
            case ScalarKind.Any:
                WriteStrings(writer, "type", AnyScalar);
                return;
        }

        writer.WriteString("type", "string");
        if (scalar.Allowed is { } allowed)
        {
            WriteStrings(writer, "enum", allowed);
            return;
        }

        if (scalar.RequiredExtension is { } extension)
        {
            var names = string.Join("|", scalar.Keywords.Select(k => Regex.Escape(k)));
            writer.WriteString("pattern", $"^(?:{names}|.*{Regex.Escape(extension)})$");
        }

        var minLength = scalar.FileNoun is not null || scalar.Pattern is not null ? Math.Max(1, scalar.MinLength) : scalar.MinLength;
        if (minLength > 0)
        {
            writer.WriteNumber("minLength", minLength);
        }

        if ((scalar.Pattern ?? scalar.EditorPattern) is { } pattern)
        {
            writer.WriteString("pattern", $"^(?:{pattern})$");
        }

        if (scalar.Keywords.Count > 0)
        {
            WriteStrings(writer, "examples", scalar.Keywords);
        }
        else if (scalar.Example is { } example)
        {
            WriteStrings(writer, "examples", [example]);
        }
    }

    private static void WriteBounds(Utf8JsonWriter writer, ScalarSchema scalar)
    {
        if (scalar.Minimum is { } min)
        {
            writer.WriteNumber(scalar.ExclusiveBounds ? "exclusiveMinimum" : "minimum", min);
        }

        if (scalar.Maximum is { } max)
        {
            writer.WriteNumber(scalar.ExclusiveBounds ? "exclusiveMaximum" : "maximum", max);
        }
    }

    private static void WriteDefault(Utf8JsonWriter writer, SchemaType type, string text)
    {
        switch (type)
        {
            case ScalarSchema { Kind: ScalarKind.Integer or ScalarKind.Long or ScalarKind.Number } scalar:
                writer.WriteNumber("default", Convert.ToDouble(scalar.ParseDefault(text), System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ScalarSchema { Kind: ScalarKind.Boolean }:
                writer.WriteBoolean("default", bool.Parse(text));
                break;
            default:
                writer.WriteString("default", text);
                break;
        }
    }
}

/// <summary>Visits the object types reachable from the root, in the order keys appear.</summary>
internal static class SchemaWalk
{
    public static IReadOnlyList<ObjectSchema> Objects(ObjectSchema root)
    {
        var found = new List<ObjectSchema>();
        Visit(root, found);
        return found;
    }

    private static void Visit(SchemaType type, List<ObjectSchema> found)
    {
        switch (type)
        {
            case ObjectSchema obj when !found.Contains(obj):
                found.Add(obj);
                foreach (var field in obj.Fields)
                {
                    Visit(field.Type, found);
                }

                break;
            case UnionSchema union:
                foreach (var variant in union.Variants)
                {
                    Visit(variant, found);
                }

                break;
            case ListSchema list:
                Visit(list.Items, found);
                break;
            case ShorthandSchema shorthand:
                Visit(shorthand.Full, found);
                break;
        }
    }
}
