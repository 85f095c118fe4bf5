using System.Text.Json.Serialization;

namespace Gym.Core.Parsing;

/// <summary>How the agent expresses tool calls.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActionFormat>))]
public enum ActionFormat
{
    /// <summary>Hermes/Qwen style: <c>&lt;tool_call&gt;{"name": …, "arguments": {…}}&lt;/tool_call&gt;</c>.</summary>
    JsonToolCalls,
    /// <summary>XML tags: <c>&lt;tool name="…"&gt;…&lt;/tool&gt;</c> and per-tool command tags such as <c>&lt;search&gt;…&lt;/search&gt;</c>.</summary>
    XmlTags,
}

/// <summary>Creates the parser for a format.</summary>
public static class ActionParsers
{
    /// <summary>The parser for <paramref name="format"/> over the given tools.</summary>
    public static IActionParser Create(ActionFormat format, IReadOnlyList<Tools.ITool> tools, int maxToolCallsPerTurn = 4) => format switch
    {
        ActionFormat.JsonToolCalls => new JsonToolCallActionParser(maxToolCallsPerTurn),
        ActionFormat.XmlTags => new XmlTagActionParser(tools, maxToolCallsPerTurn),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown action format"),
    };
}
