using System.Text.Json;

namespace Gym.Core.Tools;

/// <summary>A tool an agent can call: a name, a description and JSON-schema parameters.</summary>
public interface ITool
{
    /// <summary>The name the agent uses to call the tool.</summary>
    string Name { get; }

    /// <summary>What the tool does, shown to the agent.</summary>
    string Description { get; }

    /// <summary>A JSON Schema (object type) for the arguments.</summary>
    JsonElement ParametersSchema { get; }

    /// <summary>
    /// True for pure tools whose cost is small and bounded (a calculator over a length-limited
    /// expression): <see cref="Toolbox"/> then calls them inline, with no thread-pool hop and no
    /// deadline timer. Anything that can block or take long must leave this false, so the
    /// per-call timeout can hold.
    /// </summary>
    bool RunsInline => false;

    /// <summary>
    /// Runs the tool on arguments that already passed schema validation. May throw or be slow:
    /// <see cref="Toolbox"/> turns both into error observations.
    /// </summary>
    ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken);
}

/// <summary>A call the agent asked for.</summary>
/// <param name="Name">The tool name.</param>
/// <param name="Arguments">The arguments as JSON (an object for well-formed calls).</param>
public sealed record ToolCall(string Name, JsonElement Arguments)
{
    /// <summary>The arguments as compact JSON text.</summary>
    public string ArgumentsJson => Arguments.ValueKind == JsonValueKind.Undefined ? "{}" : Arguments.GetRawText();
}

/// <summary>Why a tool call produced an error instead of a result.</summary>
public enum ToolErrorKind
{
    /// <summary>No error.</summary>
    None,
    /// <summary>The agent named a tool that is not offered.</summary>
    UnknownTool,
    /// <summary>The arguments did not match the tool's schema.</summary>
    InvalidArguments,
    /// <summary>The tool rejected the input (e.g. a malformed expression).</summary>
    ToolError,
    /// <summary>The tool threw an unexpected exception.</summary>
    Crashed,
    /// <summary>The tool did not answer within its time limit.</summary>
    TimedOut,
}

/// <summary>The outcome of one tool call, as the agent will see it.</summary>
/// <param name="Content">The text shown to the agent.</param>
/// <param name="Error">Why the call failed, or <see cref="ToolErrorKind.None"/>.</param>
public sealed record ToolResult(string Content, ToolErrorKind Error = ToolErrorKind.None)
{
    /// <summary>Whether the call failed.</summary>
    public bool IsError => Error != ToolErrorKind.None;

    /// <summary>
    /// What the result means, as structured data for rewards and analysis (a search tool's ranked
    /// documents with their ids and titles), beside the text the agent reads; null when the tool gives
    /// none. Recorded with the trajectory, so re-scoring reads the same data; rewards read this, never
    /// the rendered text. The tool that writes it documents its shape.
    /// </summary>
    public JsonElement? Data { get; init; }

    /// <summary>A successful result.</summary>
    public static ToolResult Ok(string content) => new(content);

    /// <summary>A tool-level error (bad input the tool understood and rejected).</summary>
    public static ToolResult Fail(string message) => new(message, ToolErrorKind.ToolError);
}

/// <summary>A call together with its result, as recorded in trajectories.</summary>
/// <param name="Call">The call.</param>
/// <param name="Result">The result.</param>
public sealed record ToolInvocation(ToolCall Call, ToolResult Result);
