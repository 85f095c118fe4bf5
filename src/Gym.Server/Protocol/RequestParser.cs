using System.Globalization;
using System.Text.Json;
using Gym.Core;

namespace Gym.Server.Protocol;

/// <summary>
/// Parses request bodies and WebSocket messages into requests. Every problem becomes a
/// <see cref="ServerErrorException"/> naming the field and what was expected; unknown fields are
/// rejected too, so that a misspelled <c>seed</c> is not silently ignored.
/// </summary>
public static class RequestParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <summary>Parses a create-session body; an empty body means the only served environment.</summary>
    public static CreateSessionRequest ParseCreateSession(ReadOnlyMemory<byte> body)
    {
        using var document = ParseObject(body, allowEmpty: true);
        if (document is null)
        {
            return new CreateSessionRequest(null, new Dictionary<string, string>());
        }

        var root = document.RootElement;
        EnsureOnly(root, "env_id", "params");
        return new CreateSessionRequest(OptionalString(root, "env_id"), ReadParameters(root));
    }

    /// <summary>Parses a reset body; an empty body means "no seed, attempt 0".</summary>
    public static ResetRequest ParseReset(ReadOnlyMemory<byte> body)
    {
        using var document = ParseObject(body, allowEmpty: true);
        if (document is null)
        {
            return new ResetRequest(null, 0);
        }

        EnsureOnly(document.RootElement, "seed", "attempt");
        return ReadReset(document.RootElement);
    }

    /// <summary>Parses a step body.</summary>
    public static StepRequest ParseStep(ReadOnlyMemory<byte> body)
    {
        using var document = ParseObject(body, allowEmpty: false)!;
        EnsureOnly(document.RootElement, "action");
        return ReadStep(document.RootElement);
    }

    /// <summary>Parses one WebSocket message: <c>{"type": "reset"|"step"|"state"|"close", "id": any, …}</c>.</summary>
    public static ClientMessage ParseMessage(ReadOnlyMemory<byte> message)
    {
        using var document = ParseObject(message, allowEmpty: false)!;
        var root = document.RootElement;
        var id = root.TryGetProperty("id", out var idElement) ? idElement.Clone() : default;
        if (!root.TryGetProperty("type", out var typeElement))
        {
            throw Invalid("the message needs a 'type': reset, step, state or close");
        }

        if (typeElement.ValueKind != JsonValueKind.String)
        {
            throw Invalid("'type' must be a string: reset, step, state or close");
        }

        var type = typeElement.GetString()!;
        switch (type)
        {
            case "reset":
                EnsureOnly(root, "type", "id", "seed", "attempt");
                return new ClientMessage(MessageType.Reset, id, Reset: ReadReset(root));
            case "step":
                EnsureOnly(root, "type", "id", "action");
                return new ClientMessage(MessageType.Step, id, Step: ReadStep(root));
            case "state":
                EnsureOnly(root, "type", "id");
                return new ClientMessage(MessageType.State, id);
            case "close":
                EnsureOnly(root, "type", "id");
                return new ClientMessage(MessageType.Close, id);
            default:
                throw new ServerErrorException(ServerError.UnknownMessageType(type));
        }
    }

    /// <summary>
    /// Reads the message's <c>id</c> when the message is at least a JSON object, so that an error
    /// about the rest of it can still be correlated; undefined otherwise.
    /// </summary>
    public static JsonElement TryReadId(ReadOnlyMemory<byte> message)
    {
        try
        {
            using var document = JsonDocument.Parse(message, DocumentOptions);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var id) ? id.Clone() : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>Parses <c>key=value</c> pairs (the WebSocket query's <c>param</c> values).</summary>
    public static Dictionary<string, string> ParsePairs(IEnumerable<string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Invalid($"parameter '{pair}' must look like key=value");
            }

            values[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        return values;
    }

    private static JsonDocument? ParseObject(ReadOnlyMemory<byte> body, bool allowEmpty)
    {
        if (IsBlank(body.Span))
        {
            return allowEmpty ? null : throw Invalid("the body is empty; expected a JSON object");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            // System.Text.Json checks UTF-8 only when a string is read, and then throws InvalidOperationException.
            throw new ServerErrorException(ServerError.InvalidJson("it holds bytes that are not UTF-8 text"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ServerErrorException(ServerError.InvalidJson(Describe(ex)));
        }

        try
        {
            EnsureText(document.RootElement);
        }
        catch (InvalidOperationException)
        {
            document.Dispose();
            throw new ServerErrorException(ServerError.InvalidJson("a string holds an escape that is half of a surrogate pair (like \\ud800 alone)"));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            throw Invalid($"expected a JSON object, got {kind}");
        }

        return document;
    }

    /// <summary>Reads every string and name once, so that text JSON allows but .NET strings cannot hold fails here, not in a field reader.</summary>
    private static void EnsureText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    EnsureText(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    EnsureText(property.Value);
                }

                break;
        }
    }

    // JsonException's message ends with a "Path: … | LineNumber: … | BytePositionInLine: …" tail that
    // is useful; the type name and inner exceptions are not.
    private static string Describe(JsonException ex) =>
        ex.LineNumber is { } line && ex.BytePositionInLine is { } column
            ? string.Create(CultureInfo.InvariantCulture, $"{FirstSentence(ex.Message)} (line {line + 1}, byte {column + 1})")
            : FirstSentence(ex.Message);

    private static string FirstSentence(string message)
    {
        foreach (var tail in (string[])[" Path:", " LineNumber:"])
        {
            var end = message.IndexOf(tail, StringComparison.Ordinal);
            if (end > 0)
            {
                message = message[..end];
            }
        }

        return message.TrimEnd('.', ' ');
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static void EnsureOnly(JsonElement root, params string[] known)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (Array.IndexOf(known, property.Name) < 0)
            {
                throw Invalid($"unknown field '{property.Name}'; expected {string.Join(", ", known.Select(k => $"'{k}'"))}");
            }
        }
    }

    private static ResetRequest ReadReset(JsonElement root)
    {
        long? seed = null;
        if (root.TryGetProperty("seed", out var seedElement) && seedElement.ValueKind != JsonValueKind.Null)
        {
            seed = seedElement.ValueKind == JsonValueKind.Number && seedElement.TryGetInt64(out var s)
                ? s
                : throw Invalid($"'seed' must be a whole number between {long.MinValue} and {long.MaxValue}, or null (got {seedElement.GetRawText()})");
        }

        var attempt = 0;
        if (root.TryGetProperty("attempt", out var attemptElement) && attemptElement.ValueKind != JsonValueKind.Null)
        {
            attempt = attemptElement.ValueKind == JsonValueKind.Number && attemptElement.TryGetInt32(out var a) && a >= 0
                ? a
                : throw Invalid($"'attempt' must be a whole number >= 0 (got {attemptElement.GetRawText()})");
        }

        return new ResetRequest(seed, attempt);
    }

    private static StepRequest ReadStep(JsonElement root)
    {
        if (!root.TryGetProperty("action", out var action))
        {
            throw Invalid("a step needs an 'action': the model's text, {\"text\": …, \"token_ids\": […], \"logprobs\": […]}, or an assistant message {\"role\": \"assistant\", \"content\": …, \"tool_calls\": […]}");
        }

        if (action.ValueKind == JsonValueKind.String)
        {
            return new StepRequest(new AgentAction(action.GetString()!));
        }

        if (action.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"'action' must be a string or an object with 'text' (got {action.ValueKind.ToString().ToLowerInvariant()})");
        }

        if (action.TryGetProperty("role", out _) || action.TryGetProperty("tool_calls", out _))
        {
            return ReadAssistantMessage(action);
        }

        EnsureOnly(action, "text", "token_ids", "logprobs");
        if (!action.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
        {
            throw Invalid("'action.text' must be a string");
        }

        var tokenIds = ReadArray(action, "token_ids", e => e.TryGetInt32(out var v) ? v : (int?)null, "whole numbers");
        var logProbs = ReadArray(action, "logprobs", e => e.TryGetSingle(out var v) && float.IsFinite(v) ? v : (float?)null, "finite numbers");
        if (tokenIds is not null && logProbs is not null && tokenIds.Length != logProbs.Length)
        {
            throw Invalid($"'action.logprobs' must have one entry per token id ({tokenIds.Length}), got {logProbs.Length}");
        }

        return new StepRequest(new AgentAction(text.GetString()!, tokenIds, logProbs));
    }

    // {"role": "assistant", "content": …, "tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}]}:
    // the reply message of an OpenAI-compatible server, as the client got it.
    private static StepRequest ReadAssistantMessage(JsonElement action)
    {
        EnsureOnly(action, "role", "content", "tool_calls", "token_ids", "logprobs");
        if (!action.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || role.GetString() != "assistant")
        {
            throw Invalid("an 'action' given as a message must have \"role\": \"assistant\"");
        }

        string? content = null;
        if (action.TryGetProperty("content", out var contentElement) && contentElement.ValueKind != JsonValueKind.Null)
        {
            content = contentElement.ValueKind == JsonValueKind.String ? contentElement.GetString() : throw Invalid("'action.content' must be a string or null");
        }

        var calls = new List<(string, string)>();
        if (action.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind != JsonValueKind.Null)
        {
            if (toolCalls.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("'action.tool_calls' must be an array");
            }

            foreach (var call in toolCalls.EnumerateArray())
            {
                var at = string.Create(CultureInfo.InvariantCulture, $"'action.tool_calls[{calls.Count}]'");
                if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                    || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    throw Invalid($"{at} must be {{\"id\": \"…\", \"type\": \"function\", \"function\": {{\"name\": \"…\", \"arguments\": \"{{…}}\"}}}}");
                }

                // OpenAI sends arguments as JSON text; an object is accepted as some servers send it.
                var arguments = function.TryGetProperty("arguments", out var raw) ? raw.ValueKind switch
                {
                    JsonValueKind.String => raw.GetString()!,
                    JsonValueKind.Object => raw.GetRawText(),
                    JsonValueKind.Null => "{}",
                    _ => throw Invalid($"{at}.function.arguments must be a string of JSON"),
                } : "{}";
                calls.Add((name.GetString()!, arguments));
            }
        }

        if (calls.Count == 0 && content is null)
        {
            throw Invalid("an 'action' given as a message needs 'content' or 'tool_calls'");
        }

        var tokenIds = ReadArray(action, "token_ids", e => e.TryGetInt32(out var v) ? v : (int?)null, "whole numbers");
        var logProbs = ReadArray(action, "logprobs", e => e.TryGetSingle(out var v) && float.IsFinite(v) ? v : (float?)null, "finite numbers");
        if (tokenIds is not null && logProbs is not null && tokenIds.Length != logProbs.Length)
        {
            throw Invalid($"'action.logprobs' must have one entry per token id ({tokenIds.Length}), got {logProbs.Length}");
        }

        return new StepRequest(new AgentAction(content ?? string.Empty, tokenIds, logProbs), new StructuredAction(content, calls));
    }

    private static T[]? ReadArray<T>(JsonElement parent, string name, Func<JsonElement, T?> read, string what)
        where T : struct
    {
        if (!parent.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'action.{name}' must be an array of {what}");
        }

        var values = new T[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            values[i] = (item.ValueKind == JsonValueKind.Number ? read(item) : null)
                ?? throw Invalid($"'action.{name}[{i}]' must be one of {what} (got {item.GetRawText()})");
            i++;
        }

        return values;
    }

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : throw Invalid($"'{name}' must be a string");
    }

    private static Dictionary<string, string> ReadParameters(JsonElement root)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind == JsonValueKind.Null)
        {
            return values;
        }

        if (parameters.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("'params' must be an object of parameter names to values, e.g. {\"difficulty\": 2}");
        }

        foreach (var property in parameters.EnumerateObject())
        {
            // Parameters are text on the command line and in YAML; numbers and booleans are accepted as their JSON text.
            values[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                _ => throw Invalid($"parameter '{property.Name}' must be a string, number or boolean"),
            };
        }

        return values;
    }

    private static ServerErrorException Invalid(string message) => new(ServerError.InvalidRequest(message));
}
