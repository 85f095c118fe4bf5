using Gym.Core.Tools;

namespace Gym.Core.Parsing;

/// <summary>One recognised <c>&lt;tag&gt;…&lt;/tag&gt;</c> block in an action.</summary>
/// <param name="Tag">The tag name, lower-case.</param>
/// <param name="Content">The text between the opening and closing tags, trimmed.</param>
/// <param name="Attributes">Attributes of the opening tag, e.g. <c>name</c> of <c>&lt;tool name="calc"&gt;</c>.</param>
/// <param name="Start">Zero-based offset of the opening tag in the action text.</param>
public sealed record TagSegment(string Tag, string Content, IReadOnlyDictionary<string, string> Attributes, int Start);

/// <summary>
/// The result of parsing an action: what the agent asked for, or why the action is malformed.
/// Parsing never throws; a malformed action has <see cref="IsValid"/> false and an <see cref="Error"/>.
/// </summary>
/// <param name="IsValid">Whether the action follows the expected format.</param>
/// <param name="Error">What was wrong, phrased for the agent, when invalid.</param>
/// <param name="Segments">Every recognised tag block in order.</param>
/// <param name="ToolCalls">The tool calls requested (empty when the action answers).</param>
/// <param name="Answer">The final answer, when the action answers.</param>
/// <param name="Thought">The content of the <c>&lt;think&gt;</c> block, if any.</param>
public sealed record ParsedAction(
    bool IsValid,
    string? Error,
    IReadOnlyList<TagSegment> Segments,
    IReadOnlyList<ToolCall> ToolCalls,
    string? Answer,
    string? Thought)
{
    /// <summary>A malformed action.</summary>
    public static ParsedAction Invalid(string error, IReadOnlyList<TagSegment>? segments = null) =>
        new(false, error, segments ?? [], [], null, null);

    /// <summary>Whether the action submits a final answer.</summary>
    public bool IsAnswer => IsValid && Answer is not null;
}

/// <summary>What kind of action a text is, without what it asks for.</summary>
public enum ActionShape
{
    /// <summary>A malformed action (<see cref="ParsedAction.IsValid"/> false).</summary>
    Invalid,

    /// <summary>A valid action that calls tools.</summary>
    ToolCalls,

    /// <summary>A valid action that answers (<see cref="ParsedAction.IsAnswer"/>).</summary>
    Answer,
}

/// <summary>Turns the agent's text into a <see cref="ParsedAction"/>, and writes actions in the same format.</summary>
public interface IActionParser
{
    /// <summary>A one-paragraph description of the expected format, shown in prompts and error observations.</summary>
    string FormatInstructions { get; }

    /// <summary>Parses <paramref name="text"/>; never throws.</summary>
    ParsedAction Parse(string text);

    /// <summary>
    /// The shape of <paramref name="text"/>: exactly what <see cref="Parse"/> says of its validity
    /// and whether it answers, which a parser may find without building the calls or the error text.
    /// </summary>
    ActionShape Classify(string text)
    {
        var parsed = Parse(text);
        return !parsed.IsValid ? ActionShape.Invalid : parsed.IsAnswer ? ActionShape.Answer : ActionShape.ToolCalls;
    }

    /// <summary>Writes <paramref name="call"/> the way a model would in this format; <see cref="Parse"/> reads it back as the same call.</summary>
    string Render(ToolCall call);

    /// <summary>Writes a final answer in this format.</summary>
    string RenderAnswer(string answer);
}
