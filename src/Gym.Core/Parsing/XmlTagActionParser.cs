using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gym.Core.Tools;

namespace Gym.Core.Parsing;

/// <summary>
/// Parses XML-style actions: <c>&lt;tool name="calculator"&gt;2+3&lt;/tool&gt;</c>, and a command tag per
/// tool (<c>&lt;calculator&gt;2+3&lt;/calculator&gt;</c>, <c>&lt;search&gt;query&lt;/search&gt;</c>), plus
/// <c>&lt;think&gt;</c> and <c>&lt;answer&gt;</c>. A tag's content is either a JSON object of arguments
/// or plain text, which fills the tool's single required parameter.
/// </summary>
public sealed partial class XmlTagActionParser : TaggedActionParser
{
    /// <summary>The generic tool tag, whose <c>name</c> attribute picks the tool.</summary>
    public const string ToolTag = "tool";

    // Arguments built from plain text are recorded verbatim in trajectories: keep '+', '<', '&' readable, as rollout files do.
    private static readonly JsonSerializerOptions ArgumentOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, ITool> _tools;

    /// <summary>Creates a parser for the given tools; each tool's name also becomes a command tag.</summary>
    public XmlTagActionParser(IReadOnlyList<ITool> tools, int maxToolCallsPerTurn = 4)
        : base([ToolTag, .. tools.Select(t => t.Name.ToLowerInvariant())], maxToolCallsPerTurn)
    {
        _tools = tools.ToDictionary(t => t.Name.ToLowerInvariant(), StringComparer.Ordinal);
        var example = tools.Count > 0 ? tools[0].Name : "TOOL";
        FormatInstructions =
            $"Expected: optionally <think>…</think>, then either one or more tool calls written <{example}>input</{example}> " +
            $"(or <tool name=\"{example}\">{{…JSON arguments…}}</tool>), or exactly one <answer>…</answer>.";
    }

    /// <inheritdoc />
    public override string FormatInstructions { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Writes the command tag (<c>&lt;calculator&gt;2 + 3&lt;/calculator&gt;</c>) when the tool takes a
    /// single required string parameter and the text would read back unchanged; otherwise
    /// <c>&lt;tool name="x"&gt;{JSON arguments}&lt;/tool&gt;</c>.
    /// </remarks>
    public override string Render(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_tools.TryGetValue(call.Name.ToLowerInvariant(), out var tool) && tool.Name == call.Name
            && PlainTextParameter(tool) is { } parameter
            && call.Arguments.ValueKind == JsonValueKind.Object
            && call.Arguments.EnumerateObject().Count() == 1
            && call.Arguments.TryGetProperty(parameter, out var value) && value.ValueKind == JsonValueKind.String
            && ReadsBackAsText(value.GetString()!))
        {
            var tag = tool.Name.ToLowerInvariant();
            return $"<{tag}>{value.GetString()}</{tag}>";
        }

        var quote = call.Name.Contains('"', StringComparison.Ordinal) ? '\'' : '"';
        return $"<{ToolTag} name={quote}{call.Name}{quote}>{ActionJson(writer => WriteArguments(writer, call))}</{ToolTag}>";
    }

    // The command tag is only usable when the tag name is one the scanner recognises, and its
    // text must survive the parser's trimming and not be mistaken for JSON or a tag.
    private static string? PlainTextParameter(ITool tool)
    {
        if (!TagName().IsMatch(tool.Name) || SingleRequiredParameter(tool) is not { } parameter)
        {
            return null;
        }

        var schema = tool.ParametersSchema;
        return schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            && properties.TryGetProperty(parameter, out var property) && property.ValueKind == JsonValueKind.Object
            && property.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "string"
            ? parameter
            : null;
    }

    private static bool ReadsBackAsText(string text) =>
        text.Length > 0 && text == text.Trim() && !text.StartsWith('{') && !text.Contains('<', StringComparison.Ordinal);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagName();

    /// <inheritdoc />
    protected override (ToolCall? Call, string? Error) ReadToolCall(TagSegment segment)
    {
        string toolName;
        if (segment.Tag == ToolTag)
        {
            if (!segment.Attributes.TryGetValue("name", out var named) || string.IsNullOrWhiteSpace(named))
            {
                return (null, $"the <tool> at character {segment.Start + 1} needs a name attribute, e.g. <tool name=\"calculator\">");
            }

            toolName = named;
        }
        else
        {
            toolName = _tools[segment.Tag].Name;
        }

        // Tags match case-insensitively, but the toolbox resolves names exactly: hand it the declared name.
        if (_tools.TryGetValue(toolName.ToLowerInvariant(), out var declared))
        {
            toolName = declared.Name;
        }

        if (segment.Content.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(segment.Content);
                return (new ToolCall(toolName, document.RootElement.Clone()), null);
            }
            catch (JsonException)
            {
                // Not JSON after all: fall through and treat it as plain text input.
            }
        }

        // Unknown names are passed through so the toolbox can list the available tools.
        if (!_tools.TryGetValue(toolName.ToLowerInvariant(), out var tool))
        {
            return (new ToolCall(toolName, JsonSerializer.SerializeToElement(new Dictionary<string, string>(), ArgumentOptions)), null);
        }

        var parameter = SingleRequiredParameter(tool);
        return parameter is null
            ? (null, $"tool '{tool.Name}' takes several parameters; give them as a JSON object inside the tag")
            : (new ToolCall(tool.Name, JsonSerializer.SerializeToElement(new Dictionary<string, string> { [parameter] = segment.Content }, ArgumentOptions)), null);
    }

    private static string? SingleRequiredParameter(ITool tool)
    {
        var schema = tool.ParametersSchema;
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array && required.GetArrayLength() == 1)
        {
            return required[0].GetString();
        }

        return null;
    }
}
