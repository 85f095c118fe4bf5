using System.Text.Json;

namespace Gym.Environments.SearchQa.Data;

/// <summary>Typed field reads that fail with the file, the line and the field's name.</summary>
internal readonly record struct JsonFields(string Path, int Line, string Prefix = "")
{
    public SearchQaDataException Fail(string reason) => new(Path, Line, Prefix + reason);

    /// <summary>A string field, null when absent; any other type is an error.</summary>
    public string? OptionalString(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(name, "a string", value);
    }

    /// <summary>An id: a string or a number, null when absent.</summary>
    public string? OptionalId(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var id = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw WrongType(name, "a string or a number", value),
        };
        return id.Length > 0 ? id : throw Fail($"field '{name}' is empty");
    }

    /// <summary>A non-blank string field that must be there.</summary>
    public string RequiredString(JsonElement item, string name)
    {
        var value = OptionalString(item, name) ?? throw Fail($"missing field '{name}'");
        return string.IsNullOrWhiteSpace(value) ? throw Fail($"field '{name}' is empty") : value;
    }

    public SearchQaDataException WrongType(string name, string expected, JsonElement value) =>
        Fail($"field '{name}' must be {expected}, not {Describe(value.ValueKind)}");

    public static string Describe(JsonValueKind kind) => Gym.Core.Tools.JsonKinds.Describe(kind);

    /// <summary>The reader's message without its own position, which is relative to the line or buffer we gave it.</summary>
    public static string Message(JsonException error)
    {
        var message = error.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        }

        return (cut >= 0 ? message[..cut] : message).TrimEnd(' ', '.', '|');
    }
}
