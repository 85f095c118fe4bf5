using System.Text.Json;
using Gym.Core.ChatCompletions;
using Gym.Core.Parsing;

namespace Gym.Core.Policies.OpenAi;

/// <summary>The parts of a chat-completions reply a policy uses.</summary>
/// <param name="Content">The text of <c>choices[0].message.content</c> (empty when the server sent null).</param>
/// <param name="LogProbs">The <c>logprob</c> of each entry of <c>choices[0].logprobs.content</c>, or null when the reply has none.</param>
/// <param name="FinishReason">The <c>finish_reason</c> of the first choice, when given (<c>stop</c>, <c>length</c>, …).</param>
/// <param name="ToolCalls">The structured calls of <c>choices[0].message.tool_calls</c> (empty when it has none).</param>
public sealed record ChatCompletionReply(string Content, IReadOnlyList<float>? LogProbs, string? FinishReason, IReadOnlyList<ChatToolCall>? ToolCalls = null)
{
    /// <summary>Reads the first choice of a chat-completions reply body.</summary>
    /// <param name="body">The reply body.</param>
    /// <param name="url">Where it came from, for messages.</param>
    /// <exception cref="ChatCompletionsException">The body is not JSON, or has no <c>choices[0].message</c>, or its log-probs are malformed.</exception>
    public static ChatCompletionReply Parse(string body, Uri url)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(url);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("choices", out var choices)
                || choices.ValueKind != JsonValueKind.Array
                || choices.GetArrayLength() == 0
                || choices[0].ValueKind != JsonValueKind.Object
                || !choices[0].TryGetProperty("message", out var message)
                || message.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(url, "has no choices[0].message", body);
            }

            var choice = choices[0];
            var content = message.TryGetProperty("content", out var text) ? text.ValueKind switch
            {
                JsonValueKind.String => text.GetString()!,
                JsonValueKind.Null => string.Empty,
                _ => throw Malformed(url, "has a choices[0].message.content that is neither a string nor null", body),
            } : string.Empty;
            var finish = choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;
            return new ChatCompletionReply(content, ReadLogProbs(choice, url, body), finish, ReadToolCalls(message, url, body));
        }
        catch (JsonException ex)
        {
            throw new ChatCompletionsException($"reply from {url} is not valid JSON ({ex.Message}): {ChatCompletionsTransport.Excerpt(body)}", ex);
        }
    }

    private static List<ChatToolCall> ReadToolCalls(JsonElement message, Uri url, string body)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (calls.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(url, "has a choices[0].message.tool_calls that is not an array", body);
        }

        var result = new List<ChatToolCall>(calls.GetArrayLength());
        foreach (var call in calls.EnumerateArray())
        {
            var at = $"choices[0].message.tool_calls[{result.Count}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw Malformed(url, $"has a {at} without function.name", body);
            }

            // OpenAI sends the arguments as JSON text; some servers (Ollama) send the object itself.
            var arguments = function.TryGetProperty("arguments", out var raw) ? raw.ValueKind switch
            {
                JsonValueKind.String => raw.GetString()!,
                JsonValueKind.Object => raw.GetRawText(),
                JsonValueKind.Null => "{}",
                _ => throw Malformed(url, $"has a {at}.function.arguments that is neither a JSON string nor an object", body),
            } : "{}";
            var id = call.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString()! : string.Empty;
            result.Add(new ChatToolCall(id, name.GetString()!, arguments));
        }

        return result;
    }

    private static float[]? ReadLogProbs(JsonElement choice, Uri url, string body)
    {
        if (!choice.TryGetProperty("logprobs", out var logprobs) || logprobs.ValueKind != JsonValueKind.Object
            || !logprobs.TryGetProperty("content", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            // No log-probs (the server does not offer them, or they were not asked for): nothing to record.
            return null;
        }

        var values = new float[entries.GetArrayLength()];
        var i = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("logprob", out var value) || value.ValueKind != JsonValueKind.Number)
            {
                throw Malformed(url, $"has a choices[0].logprobs.content[{i}] without a numeric logprob", body);
            }

            values[i++] = (float)value.GetDouble();
        }

        return values;
    }

    private static ChatCompletionsException Malformed(Uri url, string problem, string body) =>
        new($"reply from {url} {problem}: {ChatCompletionsTransport.Excerpt(body)}");
}
