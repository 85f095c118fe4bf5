using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gym.Core.Parsing;
using Gym.Learning.Policy;

namespace Gym.PolicyServing;

/// <summary>
/// Reads the tool calls a model wrote as <c>&lt;tool_call&gt;{"name": …, "arguments": {…}}&lt;/tool_call&gt;</c>
/// (the Hermes / Qwen convention), as vLLM's <c>hermes</c> tool parser does: the text before the first
/// call is the content, each block's JSON is one call, an unclosed last block runs to the end, and when
/// any block is not such JSON the whole text stays content with no calls.
/// </summary>
internal static partial class HermesToolCalls
{
    /// <summary>The content and calls of <paramref name="text"/>, or null when it holds no readable call.</summary>
    /// <param name="text">The generated text.</param>
    /// <param name="turn">The turn the ids name: <c>call_{turn}_{index}</c>, the ids Gym's clients give the same calls.</param>
    public static (string Content, IReadOnlyList<ChatToolCall> Calls)? Extract(string text, int turn)
    {
        ArgumentNullException.ThrowIfNull(text);
        var start = text.IndexOf("<tool_call>", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var calls = new List<ChatToolCall>();
        foreach (Match match in Block().Matches(text))
        {
            var body = (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value).Trim();
            try
            {
                if (JsonNode.Parse(body) is not JsonObject call
                    || call["name"] is not JsonValue name || !name.TryGetValue<string>(out var toolName) || toolName.Length == 0)
                {
                    return null;
                }

                // vLLM sends json.dumps(arguments): Python's spacing, non-ASCII kept.
                var arguments = call["arguments"] switch
                {
                    null => "{}",
                    JsonValue value when value.TryGetValue<string>(out var raw) => raw,
                    var node => PythonJson.Dumps(node),
                };
                calls.Add(new ChatToolCall(StructuredChat.CallId(turn, calls.Count), toolName, arguments));
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return calls.Count == 0 ? null : (text[..start], calls);
    }

    [GeneratedRegex("<tool_call>(.*?)</tool_call>|<tool_call>(.*)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Block();
}
