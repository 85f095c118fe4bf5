using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gym.Core;
using Gym.Learning.Policy;

namespace Gym.PolicyServing;

/// <summary>The fields of a <c>POST /v1/chat/completions</c> body the server acts on, validated.</summary>
/// <param name="Model">The model the client names.</param>
/// <param name="Messages">The conversation, as the chat template reads it: assistant <c>tool_calls</c> included (their JSON-text arguments parsed, as vLLM hands them to templates).</param>
/// <param name="Temperature">Sampling temperature, 0 (greedy) to 2; 1 when not given.</param>
/// <param name="TopP">Nucleus threshold in (0, 1]; 1 when not given.</param>
/// <param name="MaxTokens">Most tokens to generate (<c>max_tokens</c> or <c>max_completion_tokens</c>); null for the rest of the context.</param>
/// <param name="Stop">Stop sequences; generation ends at the first, which is left out of the text.</param>
/// <param name="Seed">The sampling seed, if given.</param>
/// <param name="LogProbs">Whether to return the sampled tokens' log-probabilities.</param>
/// <param name="Tools">The <c>tools</c> entries (<c>{"type": "function", "function": {…}}</c>), as given; empty when none.</param>
/// <param name="ParseToolCalls">
/// Whether <c>&lt;tool_call&gt;</c> blocks in the generated text are returned as <c>tool_calls</c>: when tools are
/// given and <c>tool_choice</c> is <c>auto</c> (the default) rather than <c>none</c>.
/// </param>
public sealed record ChatCompletionRequest(
    string Model,
    IReadOnlyList<TemplateMessage> Messages,
    double Temperature,
    double TopP,
    int? MaxTokens,
    IReadOnlyList<string> Stop,
    long? Seed,
    bool LogProbs,
    IReadOnlyList<JsonNode>? Tools = null,
    bool ParseToolCalls = false)
{
    /// <summary>The number of assistant messages in the conversation: the turn its reply's tool-call ids (<c>call_TURN_INDEX</c>) name.</summary>
    public int Turn => Messages.Count(m => m.Role == ChatRole.Assistant);

    /// <summary>Most stop sequences one request may give.</summary>
    public const int MaxStopSequences = 16;

    /// <summary>Reads and validates a request body.</summary>
    /// <exception cref="OpenAiErrorException">The body is not JSON, misses a required field, or has a value out of range or unsupported.</exception>
    public static ChatCompletionRequest Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            throw Invalid($"the request body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"the request body must be a JSON object, got {Describe(root)}");
            }

            if (Property(root, "stream") is { } stream && stream.ValueKind == JsonValueKind.True)
            {
                throw Invalid("streaming is not supported; send \"stream\": false or leave it out", "stream");
            }

            if (Property(root, "n") is { } n && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count) || count != 1))
            {
                throw Invalid($"only n = 1 is supported, got {n.GetRawText()}", "n");
            }

            if (Property(root, "top_logprobs") is { } top && (top.ValueKind != JsonValueKind.Number || !top.TryGetInt32(out var alternatives) || alternatives != 0))
            {
                throw Invalid($"only top_logprobs = 0 is supported (the sampled token's own log-probability), got {top.GetRawText()}", "top_logprobs");
            }

            var model = Property(root, "model") is { ValueKind: JsonValueKind.String } name && name.GetString()!.Length > 0
                ? name.GetString()!
                : throw Invalid("'model' is required and must be a non-empty string", "model");
            var maxTokens = Integer(root, "max_completion_tokens") ?? Integer(root, "max_tokens");
            if (maxTokens is < 1)
            {
                throw Invalid(string.Create(CultureInfo.InvariantCulture, $"max_tokens must be at least 1, got {maxTokens}"), "max_tokens");
            }

            var tools = ReadTools(root);
            var toolChoice = Property(root, "tool_choice") switch
            {
                null or { ValueKind: JsonValueKind.Null } => "auto",
                { ValueKind: JsonValueKind.String } choice when choice.GetString() is "auto" or "none" => choice.GetString()!,
                var other => throw Invalid($"tool_choice must be \"auto\" or \"none\" (this server cannot force a call), got {other.Value.GetRawText()}", "tool_choice"),
            };
            return new ChatCompletionRequest(
                model,
                ReadMessages(root),
                Number(root, "temperature", 0, 2, minimumExclusive: false) ?? 1.0,
                Number(root, "top_p", 0, 1, minimumExclusive: true) ?? 1.0,
                maxTokens,
                Stops(root),
                Long(root, "seed"),
                Property(root, "logprobs") switch
                {
                    null => false,
                    { ValueKind: JsonValueKind.True } => true,
                    { ValueKind: JsonValueKind.False } => false,
                    var other => throw Invalid($"logprobs must be true or false, got {Describe(other.Value)}", "logprobs"),
                },
                tools,
                tools.Count > 0 && toolChoice == "auto");
        }
    }

    private static List<JsonNode> ReadTools(JsonElement root)
    {
        var tools = Property(root, "tools");
        if (tools is null || tools.Value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (tools.Value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"tools must be an array of {{\"type\": \"function\", \"function\": {{\"name\": …, \"parameters\": …}}}}, got {Describe(tools.Value)}", "tools");
        }

        var result = new List<JsonNode>(tools.Value.GetArrayLength());
        foreach (var tool in tools.Value.EnumerateArray())
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"tools[{result.Count}]");
            if (tool.ValueKind != JsonValueKind.Object
                || Property(tool, "type") is not { ValueKind: JsonValueKind.String } type || type.GetString() != "function"
                || Property(tool, "function") is not { ValueKind: JsonValueKind.Object } function
                || Property(function, "name") is not { ValueKind: JsonValueKind.String } name || name.GetString()!.Length == 0)
            {
                throw Invalid($"{at} must be {{\"type\": \"function\", \"function\": {{\"name\": \"…\", \"description\": …, \"parameters\": {{…}}}}}}", at);
            }

            // The template dumps the entry as the client sent it, key order included.
            result.Add(JsonNode.Parse(tool.GetRawText())!);
        }

        return result;
    }

    private static List<TemplateMessage> ReadMessages(JsonElement root)
    {
        if (Property(root, "messages") is not { ValueKind: JsonValueKind.Array } messages || messages.GetArrayLength() == 0)
        {
            throw Invalid("'messages' is required and must be a non-empty array", "messages");
        }

        var result = new List<TemplateMessage>(messages.GetArrayLength());
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"messages[{index++}]");
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{at} must be an object with 'role' and 'content', got {Describe(message)}", at);
            }

            var roleText = Property(message, "role") is { ValueKind: JsonValueKind.String } r ? r.GetString()! : throw Invalid($"{at}.role is required and must be a string", at + ".role");
            var role = roleText switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => throw Invalid($"{at}.role must be system, developer, user, assistant or tool, got '{roleText}'", at + ".role"),
            };
            var name = Property(message, "name") is { ValueKind: JsonValueKind.String } n ? n.GetString() : null;
            var calls = role == ChatRole.Assistant ? ToolCalls(message, at) : null;
            foreach (var (id, call) in calls ?? [])
            {
                callNames[id] = call.Name;
            }

            if (role == ChatRole.Tool && name is null
                && Property(message, "tool_call_id") is { ValueKind: JsonValueKind.String } callId && callNames.TryGetValue(callId.GetString()!, out var called))
            {
                // A tool result names its call, not its tool: take the tool's name from that call.
                name = called;
            }

            result.Add(new TemplateMessage(role, Content(message, at), role == ChatRole.Tool ? name : null, calls?.Select(c => c.Call).ToList()));
        }

        return result;
    }

    private static List<(string Id, ToolCall Call)>? ToolCalls(JsonElement message, string at)
    {
        var calls = Property(message, "tool_calls");
        if (calls is null || calls.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (calls.Value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{at}.tool_calls must be an array, got {Describe(calls.Value)}", at + ".tool_calls");
        }

        var result = new List<(string, ToolCall)>(calls.Value.GetArrayLength());
        foreach (var call in calls.Value.EnumerateArray())
        {
            var here = string.Create(CultureInfo.InvariantCulture, $"{at}.tool_calls[{result.Count}]");
            if (call.ValueKind != JsonValueKind.Object
                || Property(call, "function") is not { ValueKind: JsonValueKind.Object } function
                || Property(function, "name") is not { ValueKind: JsonValueKind.String } name || name.GetString()!.Length == 0)
            {
                throw Invalid($"{here} must be {{\"id\": \"…\", \"type\": \"function\", \"function\": {{\"name\": \"…\", \"arguments\": \"{{…}}\"}}}}", here);
            }

            var id = Property(call, "id") is { ValueKind: JsonValueKind.String } given ? given.GetString()! : string.Empty;
            result.Add((id, new ToolCall(name.GetString()!, Arguments(function, here))));
        }

        return result;
    }

    // OpenAI carries arguments as JSON text; templates read them as an object (vLLM parses them before rendering).
    private static JsonNode Arguments(JsonElement function, string at)
    {
        var arguments = Property(function, "arguments");
        switch (arguments?.ValueKind)
        {
            case null or JsonValueKind.Null:
                return new JsonObject();
            case JsonValueKind.Object:
                return JsonNode.Parse(arguments.Value.GetRawText())!;
            case JsonValueKind.String:
                try
                {
                    return JsonNode.Parse(arguments.Value.GetString()!) is JsonObject parsed
                        ? parsed
                        : throw Invalid($"{at}.function.arguments must hold a JSON object, got {arguments.Value.GetRawText()}", at + ".function.arguments");
                }
                catch (JsonException ex)
                {
                    throw Invalid($"{at}.function.arguments is not valid JSON ({ex.Message})", at + ".function.arguments");
                }

            default:
                throw Invalid($"{at}.function.arguments must be a string of JSON, got {Describe(arguments!.Value)}", at + ".function.arguments");
        }
    }

    private static string Content(JsonElement message, string at)
    {
        var content = Property(message, "content");
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                return content.Value.GetString()!;
            case null or JsonValueKind.Null:
                return string.Empty;
            case JsonValueKind.Array:
                // Content parts: only text parts can be read by a text-only policy.
                var text = new StringBuilder();
                var part = 0;
                foreach (var element in content.Value.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Object
                        || Property(element, "type") is not { ValueKind: JsonValueKind.String } type
                        || type.GetString() != "text"
                        || Property(element, "text") is not { ValueKind: JsonValueKind.String } value)
                    {
                        throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{at}.content[{part}] must be a text part {{\"type\": \"text\", \"text\": \"...\"}}; this policy reads text only"), $"{at}.content");
                    }

                    text.Append(value.GetString());
                    part++;
                }

                return text.ToString();
            default:
                throw Invalid($"{at}.content must be a string or an array of text parts, got {Describe(content!.Value)}", $"{at}.content");
        }
    }

    private static List<string> Stops(JsonElement root)
    {
        var stop = Property(root, "stop");
        var stops = stop?.ValueKind switch
        {
            null or JsonValueKind.Null => [],
            JsonValueKind.String => [stop.Value.GetString()!],
            JsonValueKind.Array => stop.Value.EnumerateArray()
                .Select(s => s.ValueKind == JsonValueKind.String ? s.GetString()! : throw Invalid($"stop must be a string or an array of strings, got an element {Describe(s)}", "stop"))
                .ToList(),
            _ => throw Invalid($"stop must be a string or an array of strings, got {Describe(stop!.Value)}", "stop"),
        };
        if (stops.Count > MaxStopSequences)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"stop may hold at most {MaxStopSequences} sequences, got {stops.Count}"), "stop");
        }

        return stops.Any(s => s.Length == 0) ? throw Invalid("stop sequences must not be empty", "stop") : stops;
    }

    private static double? Number(JsonElement root, string name, double minimum, double maximum, bool minimumExclusive)
    {
        var value = Property(root, name);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.Number)
        {
            throw Invalid($"{name} must be a number, got {Describe(value.Value)}", name);
        }

        var number = value.Value.GetDouble();
        var low = minimumExclusive ? number <= minimum : number < minimum;
        return low || number > maximum
            ? throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{name} must be in {(minimumExclusive ? "(" : "[")}{minimum}, {maximum}], got {number}"), name)
            : number;
    }

    private static int? Integer(JsonElement root, string name)
    {
        var value = Property(root, name);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt32(out var number)
            ? number
            : throw NotWhole(value.Value, name, int.MinValue, int.MaxValue);
    }

    private static long? Long(JsonElement root, string name)
    {
        var value = Property(root, name);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt64(out var number)
            ? number
            : throw NotWhole(value.Value, name, long.MinValue, long.MaxValue);
    }

    // A whole number too large for its type is out of range, which "must be a whole number" would hide.
    private static OpenAiErrorException NotWhole(JsonElement value, string name, long minimum, long maximum)
    {
        var raw = value.GetRawText();
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && Math.Floor(number) == number && (number < minimum || number > maximum))
        {
            return Invalid(string.Create(CultureInfo.InvariantCulture, $"{name} is out of range: it must be a whole number from {minimum} to {maximum}, got {raw}"), name);
        }

        return Invalid($"{name} must be a whole number, got {raw}", name);
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value : null;

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static OpenAiErrorException Invalid(string message, string? param = null) => new(OpenAiError.Invalid(message, param));
}
