using System.Text.Json.Nodes;
using Gym.Core;

namespace Gym.Learning.Policy;

/// <summary>
/// A function call an assistant message makes, as chat-completion APIs carry it
/// (<c>{"type": "function", "function": {"name": …, "arguments": …}}</c>).
/// </summary>
/// <param name="Name">The function's name.</param>
/// <param name="Arguments">The arguments: a JSON object, or a JSON string holding already-serialized arguments.</param>
public sealed record ToolCall(string Name, JsonNode? Arguments);

/// <summary>
/// One message as a chat template reads it: a <see cref="ChatMessage"/> plus the structured tool calls an
/// assistant message may carry. Gym's environments speak in plain <see cref="ChatMessage"/>s; tool calls
/// appear when a conversation comes from a chat-completion client.
/// </summary>
/// <param name="Role">The author role.</param>
/// <param name="Content">The message text.</param>
/// <param name="Name">For tool messages, the tool that produced the content.</param>
/// <param name="ToolCalls">For assistant messages, the calls it makes (none when null or empty).</param>
public sealed record TemplateMessage(ChatRole Role, string Content, string? Name = null, IReadOnlyList<ToolCall>? ToolCalls = null)
{
    /// <summary>The template view of a plain chat message (no tool calls).</summary>
    public static TemplateMessage From(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new TemplateMessage(message.Role, message.Content, message.Name);
    }

    /// <summary>True when the message carries at least one tool call.</summary>
    public bool HasToolCalls => ToolCalls is { Count: > 0 };
}
