using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Core.Parsing;

/// <summary>
/// Parses Hermes/Qwen-style tool calls: <c>&lt;tool_call&gt;{"name": "calculator", "arguments": {"expression": "2+3"}}&lt;/tool_call&gt;</c>,
/// plus the shared <c>&lt;think&gt;</c> and <c>&lt;answer&gt;</c> tags.
/// </summary>
public sealed class JsonToolCallActionParser(int maxToolCallsPerTurn = 4) : TaggedActionParser([ToolCallTag], maxToolCallsPerTurn)
{
    /// <summary>The tag that holds one JSON tool call.</summary>
    public const string ToolCallTag = "tool_call";

    /// <inheritdoc />
    public override string FormatInstructions =>
        "Expected: optionally <think>…</think>, then either one or more <tool_call>{\"name\": \"TOOL\", \"arguments\": {…}}</tool_call> blocks, or exactly one <answer>…</answer>.";

    /// <inheritdoc />
    /// <remarks>Writes <c>&lt;tool_call&gt;{"name":"…","arguments":{…}}&lt;/tool_call&gt;</c> in compact JSON, name first.</remarks>
    public override string Render(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var json = ActionJson(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("arguments");
            WriteArguments(writer, call);
            writer.WriteEndObject();
        });
        return $"<{ToolCallTag}>{json}</{ToolCallTag}>";
    }

    /// <inheritdoc />
    protected override (ToolCall? Call, string? Error) ReadToolCall(TagSegment segment) => Read(segment, build: true);

    /// <inheritdoc />
    /// <remarks>The same checks as <see cref="ReadToolCall"/>, without copying the arguments out of the parsed document.</remarks>
    protected override bool IsReadableToolCall(TagSegment segment) => Read(segment, build: false).Error is null;

    // With `build` false a readable call gives (null, null): only the error matters.
    private static (ToolCall? Call, string? Error) Read(TagSegment segment, bool build)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(segment.Content);
        }
        catch (JsonException ex)
        {
            return (null, $"the <tool_call> at character {segment.Start + 1} is not valid JSON ({FirstSentence(ex.Message)})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, $"the <tool_call> at character {segment.Start + 1} must be a JSON object with \"name\" and \"arguments\"");
            }

            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            {
                return (null, $"the <tool_call> at character {segment.Start + 1} has no string \"name\"");
            }

            JsonElement arguments;
            if (!root.TryGetProperty("arguments", out var raw))
            {
                if (!build)
                {
                    return (null, null);
                }

                arguments = JsonDocument.Parse("{}").RootElement.Clone();
            }
            else if (raw.ValueKind == JsonValueKind.String && TryParseObject(raw.GetString()!, out var fromString))
            {
                // OpenAI's wire format carries arguments as a JSON string; accept both shapes.
                arguments = fromString;
            }
            else if (raw.ValueKind == JsonValueKind.Object)
            {
                if (!build)
                {
                    return (null, null);
                }

                arguments = raw.Clone();
            }
            else
            {
                return (null, $"the \"arguments\" of the <tool_call> at character {segment.Start + 1} must be a JSON object");
            }

            return build ? (new ToolCall(name.GetString()!, arguments), null) : (null, null);
        }
    }

    private static bool TryParseObject(string text, out JsonElement element)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            element = document.RootElement.Clone();
            return element.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            element = default;
            return false;
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message.TrimEnd('.') : message[..cut];
    }
}
