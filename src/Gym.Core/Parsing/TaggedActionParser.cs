using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Core.Parsing;

/// <summary>
/// The rules both tag formats share: at most one <c>&lt;think&gt;</c>, and then either exactly one
/// non-empty <c>&lt;answer&gt;</c> or between one and the maximum number of tool calls, never both.
/// Subclasses say which tags carry tool calls and how to read them.
/// </summary>
public abstract class TaggedActionParser : IActionParser
{
    /// <summary>The tag holding private reasoning.</summary>
    public const string ThinkTag = "think";

    /// <summary>The tag holding the final answer.</summary>
    public const string AnswerTag = "answer";

    private readonly HashSet<string> _knownTags;

    /// <summary>Creates the parser.</summary>
    protected TaggedActionParser(IEnumerable<string> toolTags, int maxToolCallsPerTurn)
    {
        if (maxToolCallsPerTurn < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxToolCallsPerTurn), "at least one tool call per turn must be allowed");
        }

        MaxToolCallsPerTurn = maxToolCallsPerTurn;
        _knownTags = new HashSet<string>(toolTags, StringComparer.Ordinal) { ThinkTag, AnswerTag };
    }

    /// <summary>The most tool calls one action may contain.</summary>
    public int MaxToolCallsPerTurn { get; }

    /// <inheritdoc />
    public abstract string FormatInstructions { get; }

    /// <summary>The index of the first UTF-16 surrogate without its other half, or null when the text is valid Unicode.</summary>
    private static int? LoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public ParsedAction Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ParsedAction.Invalid($"the action is empty. {FormatInstructions}");
        }

        if (LoneSurrogate(text) is { } at)
        {
            // JSON cannot hold such text: parsing or serializing it would throw instead of telling the agent.
            return ParsedAction.Invalid($"the action holds text that is not valid Unicode (half of a surrogate pair at character {at + 1}). {FormatInstructions}");
        }

        var (segments, structuralError) = TagScanner.Scan(text, _knownTags);
        if (structuralError is not null)
        {
            return ParsedAction.Invalid($"{structuralError}. {FormatInstructions}", segments);
        }

        // One pass instead of three LINQ lists: this runs twice per step (environment and expert).
        TagSegment? thoughtSegment = null;
        TagSegment? answer = null;
        var thoughtCount = 0;
        var answerCount = 0;
        List<TagSegment>? toolSegments = null;
        foreach (var segment in segments)
        {
            switch (segment.Tag)
            {
                case ThinkTag:
                    thoughtSegment ??= segment;
                    thoughtCount++;
                    break;
                case AnswerTag:
                    answer ??= segment;
                    answerCount++;
                    break;
                default:
                    (toolSegments ??= []).Add(segment);
                    break;
            }
        }

        if (thoughtCount > 1)
        {
            return ParsedAction.Invalid($"found {thoughtCount} <think> blocks; write at most one. {FormatInstructions}", segments);
        }

        var thought = thoughtSegment?.Content;
        var toolCount = toolSegments?.Count ?? 0;

        if (answerCount > 0 && toolCount > 0)
        {
            return ParsedAction.Invalid($"the action both answers and calls a tool; do one or the other. {FormatInstructions}", segments);
        }

        if (answerCount > 1)
        {
            return ParsedAction.Invalid($"found {answerCount} <answer> blocks; give exactly one. {FormatInstructions}", segments);
        }

        if (answerCount == 1)
        {
            return answer!.Content.Length == 0
                ? ParsedAction.Invalid($"the <answer> block is empty. {FormatInstructions}", segments)
                : new ParsedAction(true, null, segments, [], answer!.Content, thought);
        }

        if (toolCount == 0)
        {
            return ParsedAction.Invalid($"the action neither calls a tool nor answers. {FormatInstructions}", segments);
        }

        if (toolCount > MaxToolCallsPerTurn)
        {
            return ParsedAction.Invalid($"found {toolCount} tool calls; at most {MaxToolCallsPerTurn} are allowed per turn. {FormatInstructions}", segments);
        }

        var calls = new List<ToolCall>(toolCount);
        foreach (var segment in toolSegments!)
        {
            var (call, error) = ReadToolCall(segment);
            if (error is not null || call is null)
            {
                return ParsedAction.Invalid($"{error ?? "unreadable tool call"}. {FormatInstructions}", segments);
            }

            calls.Add(call);
        }

        return new ParsedAction(true, null, segments, calls, null, thought);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The rules of <see cref="Parse"/> in the same order, with each tool call only checked
    /// (<see cref="IsReadableToolCall"/>) and no error text: the plan expert asks this of its own
    /// last action on every turn.
    /// </remarks>
    public ActionShape Classify(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || LoneSurrogate(text) is not null)
        {
            return ActionShape.Invalid;
        }

        var (segments, structuralError) = TagScanner.Scan(text, _knownTags);
        if (structuralError is not null)
        {
            return ActionShape.Invalid;
        }

        TagSegment? answer = null;
        var thoughtCount = 0;
        var answerCount = 0;
        var toolCount = 0;
        foreach (var segment in segments)
        {
            switch (segment.Tag)
            {
                case ThinkTag:
                    thoughtCount++;
                    break;
                case AnswerTag:
                    answer ??= segment;
                    answerCount++;
                    break;
                default:
                    toolCount++;
                    break;
            }
        }

        if (thoughtCount > 1 || (answerCount > 0 && toolCount > 0) || answerCount > 1)
        {
            return ActionShape.Invalid;
        }

        if (answerCount == 1)
        {
            return answer!.Content.Length == 0 ? ActionShape.Invalid : ActionShape.Answer;
        }

        if (toolCount == 0 || toolCount > MaxToolCallsPerTurn)
        {
            return ActionShape.Invalid;
        }

        foreach (var segment in segments)
        {
            if (segment.Tag is not (ThinkTag or AnswerTag) && !IsReadableToolCall(segment))
            {
                return ActionShape.Invalid;
            }
        }

        return ActionShape.ToolCalls;
    }

    /// <inheritdoc />
    public abstract string Render(ToolCall call);

    /// <inheritdoc />
    public string RenderAnswer(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return $"<{AnswerTag}>{answer}</{AnswerTag}>";
    }

    /// <summary>
    /// Compact JSON for an action. Escaping is relaxed because models write '+' and quotes
    /// literally and the default encoder's \u002B would teach the wrong text; but when the JSON
    /// holds a '&lt;', which could close or open a tag, the default encoder escapes it.
    /// </summary>
    protected static string ActionJson(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var relaxed = Write(write, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        return relaxed.Contains('<', StringComparison.Ordinal) ? Write(write, JavaScriptEncoder.Default) : relaxed;
    }

    /// <summary>Writes a call's arguments, or an empty object when it has none.</summary>
    protected static void WriteArguments(Utf8JsonWriter writer, ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(call);
        if (call.Arguments.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            call.Arguments.WriteTo(writer);
        }
    }

    // Rendering runs every turn (the plan expert writes each action through it): one buffer and one
    // writer per encoder per thread instead of new ones per call. Taken off the thread while in use,
    // so a `write` that renders again (or throws) never shares or spoils them.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_relaxedWriter;

    [ThreadStatic]
    private static Utf8JsonWriter? t_defaultWriter;

    private static string Write(Action<Utf8JsonWriter> write, JavaScriptEncoder encoder)
    {
        var relaxed = ReferenceEquals(encoder, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(256);
        var writer = (relaxed ? t_relaxedWriter : t_defaultWriter) ?? new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder });
        t_buffer = null;
        if (relaxed)
        {
            t_relaxedWriter = null;
        }
        else
        {
            t_defaultWriter = null;
        }

        writer.Reset(buffer);
        write(writer);
        writer.Flush();
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        buffer.ResetWrittenCount();
        if (buffer.Capacity <= 64 * 1024)
        {
            t_buffer = buffer;
            if (relaxed)
            {
                t_relaxedWriter = writer;
            }
            else
            {
                t_defaultWriter = writer;
            }
        }

        return text;
    }

    /// <summary>Reads one tool-call segment into a call, or explains why it cannot.</summary>
    protected abstract (ToolCall? Call, string? Error) ReadToolCall(TagSegment segment);

    /// <summary>
    /// Whether <see cref="ReadToolCall"/> reads <paramref name="segment"/> into a call; a subclass
    /// may answer without building the call.
    /// </summary>
    protected virtual bool IsReadableToolCall(TagSegment segment)
    {
        var (call, error) = ReadToolCall(segment);
        return error is null && call is not null;
    }
}
