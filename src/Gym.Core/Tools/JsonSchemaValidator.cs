using System.Text.Json;

namespace Gym.Core.Tools;

/// <summary>
/// Validates tool arguments against the subset of JSON Schema that tool definitions use:
/// <c>type</c> (object, string, number, integer, boolean, array), <c>properties</c>,
/// <c>required</c>, <c>additionalProperties: false</c> and <c>enum</c>. Returns a message an
/// agent can act on instead of throwing.
/// </summary>
public static class JsonSchemaValidator
{
    /// <summary>Returns null when <paramref name="value"/> satisfies <paramref name="schema"/>, else the first problem found.</summary>
    public static string? Validate(JsonElement schema, JsonElement value) => Validate(schema, value, "arguments");

    private static string? Validate(JsonElement schema, JsonElement value, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && !HasType(value, type.GetString()!))
        {
            return $"{path} must be {Article(type.GetString()!)} {type.GetString()}, not {Describe(value)}";
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            return $"{path} must be one of {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))}";
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            return ValidateObject(schema, value, path);
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var error = Validate(items, item, $"{path}[{index++}]");
                if (error is not null)
                {
                    return error;
                }
            }
        }

        return null;
    }

    private static string? ValidateObject(JsonElement schema, JsonElement value, string path)
    {
        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                if (!value.TryGetProperty(name, out _))
                {
                    return $"{path} is missing the required parameter '{name}'";
                }
            }
        }

        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                var error = Validate(propertySchema, property.Value, $"parameter '{property.Name}'");
                if (error is not null)
                {
                    return error;
                }
            }
            else if (closed)
            {
                var known = hasProperties ? string.Join(", ", properties.EnumerateObject().Select(p => p.Name)) : "none";
                return $"{path} has an unknown parameter '{property.Name}' (known: {known})";
            }
        }

        return null;
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Article(string type) => type is "object" or "array" or "integer" ? "an" : "a";

    private static string Describe(JsonElement value) => JsonKinds.Describe(value.ValueKind);
}
