using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Core.Parsing;

/// <summary>
/// One function call an assistant message makes, in OpenAI chat-completions shape:
/// <c>{"id": …, "type": "function", "function": {"name": …, "arguments": "…JSON text…"}}</c>.
/// </summary>
/// <param name="Id">The call's id; tool results name it in <c>tool_call_id</c>. Gym's ids are <c>call_TURN_INDEX</c>.</param>
/// <param name="Name">The tool's name.</param>
/// <param name="Arguments">The arguments as JSON text (a JSON object), as the OpenAI API carries them.</param>
public sealed record ChatToolCall(string Id, string Name, string Arguments);

/// <summary>
/// A chat message with the structure chat-completion APIs give tool use: an assistant message's
/// <see cref="ToolCalls"/>, a tool message's <see cref="ToolCallId"/>. Environments and rollout files speak
/// plain <see cref="ChatMessage"/>s; <see cref="StructuredChat"/> derives these from them so that a serving
/// stack (vLLM, <c>gym serve-policy</c>) can apply a model's real chat template to tool turns.
/// </summary>
/// <param name="Role">The author role.</param>
/// <param name="Content">The text; for an assistant message with tool calls, what it wrote besides them (often empty).</param>
/// <param name="Name">For tool messages, the tool that produced the content.</param>
/// <param name="ToolCalls">For assistant messages, the calls it makes (none when null).</param>
/// <param name="ToolCallId">For tool messages, the id of the call this is the result of.</param>
public sealed record StructuredMessage(ChatRole Role, string Content, string? Name = null, IReadOnlyList<ChatToolCall>? ToolCalls = null, string? ToolCallId = null)
{
    /// <summary>True when the message carries at least one tool call.</summary>
    public bool HasToolCalls => ToolCalls is { Count: > 0 };

    /// <summary>The plain message, tool-call structure left out (content as it is).</summary>
    public static StructuredMessage From(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new StructuredMessage(message.Role, message.Content, message.Name);
    }

    /// <summary>
    /// Writes the message as an OpenAI chat message object: <c>role</c>, <c>content</c> (null for an
    /// assistant message whose only content is its tool calls), <c>tool_calls</c>, <c>tool_call_id</c>, <c>name</c>.
    /// </summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("role", Role.WireName());
        if (HasToolCalls && Content.Length == 0)
        {
            writer.WriteNull("content");
        }
        else
        {
            writer.WriteString("content", Content);
        }

        if (HasToolCalls)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in ToolCalls!)
            {
                writer.WriteStartObject();
                writer.WriteString("id", call.Id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (Role == ChatRole.Tool)
        {
            if (ToolCallId is not null)
            {
                writer.WriteString("tool_call_id", ToolCallId);
            }

            if (!string.IsNullOrEmpty(Name))
            {
                writer.WriteString("name", Name);
            }
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// A tool call given in structured form that cannot become an action: arguments that are not a JSON
/// object, an empty name. The message says which call and what is wrong.
/// </summary>
public sealed class StructuredActionException(string message) : Exception(message), IUserError;

/// <summary>
/// Converts between Gym's text actions and chat-completion structure: an action's parsed tool calls
/// become an assistant message's <c>tool_calls</c> with deterministic ids (<c>call_TURN_INDEX</c>), the tool
/// results that answer them carry those ids, the tools become OpenAI <c>tools</c> entries, and a
/// structured assistant message becomes the action text the environment's parser reads back as the same calls.
/// </summary>
public static class StructuredChat
{
    // Arguments hold queries and expressions: keep '+', quotes and '<' as they are, as rollout files do.
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The id of the <paramref name="index"/>-th call (from 0) made at <paramref name="turn"/> (from 0): <c>call_{turn}_{index}</c>.</summary>
    public static string CallId(int turn, int index) => string.Create(CultureInfo.InvariantCulture, $"call_{turn}_{index}");

    /// <summary>
    /// The structured form of the action <paramref name="text"/> played at <paramref name="turn"/>: when it
    /// parses as tool calls, the text before the first call as content and each call as a
    /// <see cref="ChatToolCall"/>; otherwise (an answer, a malformed action) the text as content.
    /// </summary>
    public static StructuredMessage Assistant(string text, int turn, IActionParser parser)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(parser);
        var parsed = parser.Parse(text);
        if (!parsed.IsValid || parsed.ToolCalls.Count == 0)
        {
            return new StructuredMessage(ChatRole.Assistant, text);
        }

        // The calls' own segments are everything but <think> and <answer>; what precedes the first is content (the reasoning).
        var first = parsed.Segments.First(s => s.Tag is not (TaggedActionParser.ThinkTag or TaggedActionParser.AnswerTag));
        var calls = parsed.ToolCalls.Select((call, i) => new ChatToolCall(CallId(turn, i), call.Name, CompactArguments(call))).ToList();
        return new StructuredMessage(ChatRole.Assistant, text[..first.Start].TrimEnd(), ToolCalls: calls);
    }

    /// <summary>
    /// A conversation with its tool structure: each assistant message parsed by <paramref name="parser"/>,
    /// each tool message given the id of the call it answers (the calls of the assistant message before
    /// it, in order). Assistant messages are numbered back from <paramref name="nextTurn"/>, the turn about
    /// to be played: the last is turn <c>nextTurn - 1</c>, which holds in every memory mode (they keep the
    /// most recent turns).
    /// </summary>
    public static IReadOnlyList<StructuredMessage> Structure(IReadOnlyList<ChatMessage> context, IActionParser parser, int nextTurn)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parser);
        var assistants = context.Count(m => m.Role == ChatRole.Assistant);
        var turn = nextTurn - assistants;
        var result = new List<StructuredMessage>(context.Count);
        IReadOnlyList<ChatToolCall> open = [];
        var answered = 0;
        foreach (var message in context)
        {
            switch (message.Role)
            {
                case ChatRole.Assistant:
                    var structured = Assistant(message.Content, Math.Max(turn++, 0), parser);
                    open = structured.ToolCalls ?? [];
                    answered = 0;
                    result.Add(structured);
                    break;
                case ChatRole.Tool when answered < open.Count:
                    result.Add(StructuredMessage.From(message) with { ToolCallId = open[answered++].Id });
                    break;
                default:
                    result.Add(StructuredMessage.From(message));
                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// The tool messages of one step's observation with the ids of the calls they answer: the
    /// <paramref name="turn"/>'s calls are its tool messages, in order (<c>call_{turn}_0</c>, <c>call_{turn}_1</c>, …).
    /// </summary>
    public static IReadOnlyList<StructuredMessage> Observation(IReadOnlyList<ChatMessage> observation, int turn)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var index = 0;
        return [.. observation.Select(m => m.Role == ChatRole.Tool
            ? StructuredMessage.From(m) with { ToolCallId = CallId(turn, index++) }
            : StructuredMessage.From(m))];
    }

    /// <summary>
    /// The action text for an assistant message with structured tool calls: its content, then each call
    /// written as <paramref name="parser"/> writes calls (one per line), so the environment reads back
    /// exactly these calls. Without calls, the content alone.
    /// </summary>
    /// <exception cref="StructuredActionException">A call has an empty name, or arguments that are not a JSON object.</exception>
    public static string ToActionText(string? content, IReadOnlyList<(string Name, string Arguments)> calls, IActionParser parser)
    {
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(parser);
        var text = new StringBuilder(content?.TrimEnd() ?? string.Empty);
        for (var i = 0; i < calls.Count; i++)
        {
            var (name, arguments) = calls[i];
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new StructuredActionException(string.Create(CultureInfo.InvariantCulture, $"tool_calls[{i}].function.name must be a non-empty string"));
            }

            JsonElement parsed;
            try
            {
                using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
                parsed = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new StructuredActionException(string.Create(CultureInfo.InvariantCulture, $"tool_calls[{i}].function.arguments must be a JSON object in a string, got text that is not JSON ({ex.Message})"));
            }

            if (parsed.ValueKind != JsonValueKind.Object)
            {
                throw new StructuredActionException(string.Create(CultureInfo.InvariantCulture, $"tool_calls[{i}].function.arguments must be a JSON object in a string, got a JSON {parsed.ValueKind.ToString().ToLowerInvariant()}"));
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(parser.Render(new ToolCall(name, parsed)));
        }

        return text.ToString();
    }

    /// <summary>Writes <paramref name="tools"/> as an OpenAI <c>tools</c> array: <c>[{"type": "function", "function": {"name", "description", "parameters"}}]</c>.</summary>
    public static void WriteTools(Utf8JsonWriter writer, IEnumerable<ITool> tools)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tools);
        writer.WriteStartArray();
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", tool.Name);
            writer.WriteString("description", tool.Description);
            writer.WritePropertyName("parameters");
            tool.ParametersSchema.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    // One spelling of the arguments whatever the model wrote (spaces, key order kept): compact JSON.
    private static string CompactArguments(ToolCall call)
    {
        if (call.Arguments.ValueKind == JsonValueKind.Undefined)
        {
            return "{}";
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Relaxed))
        {
            call.Arguments.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>
/// The tools and action parser an episode plays with, which the structured forms of its messages need.
/// </summary>
/// <param name="Tools">The tools offered.</param>
/// <param name="Parser">The parser of the environment's action format over those tools.</param>
public sealed record EpisodeTools(IReadOnlyList<ITool> Tools, IActionParser Parser);
