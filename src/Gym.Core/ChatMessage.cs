using System.Text.Json.Serialization;

namespace Gym.Core;

/// <summary>Who authored a chat message, in the usual chat-completion roles.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChatRole>))]
public enum ChatRole
{
    /// <summary>Instructions from the environment that frame the task.</summary>
    System,
    /// <summary>Task text and environment feedback addressed to the agent.</summary>
    User,
    /// <summary>What the agent (policy) generated.</summary>
    Assistant,
    /// <summary>The result of a tool call.</summary>
    Tool,
}

/// <summary>Chat roles as chat-completion APIs and chat templates spell them.</summary>
public static class ChatRoles
{
    /// <summary><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    public static string WireName(this ChatRole role) => role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        ChatRole.Assistant => "assistant",
        ChatRole.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown chat role"),
    };
}

/// <summary>One chat message: observations are lists of these.</summary>
/// <param name="Role">The author role.</param>
/// <param name="Content">The message text.</param>
/// <param name="Name">For tool messages, the tool that produced the content.</param>
public sealed record ChatMessage(ChatRole Role, string Content, string? Name = null)
{
    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new(ChatRole.System, content);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new(ChatRole.User, content);

    /// <summary>An assistant message.</summary>
    public static ChatMessage Assistant(string content) => new(ChatRole.Assistant, content);

    /// <summary>A tool-result message.</summary>
    public static ChatMessage Tool(string name, string content) => new(ChatRole.Tool, content, name);
}
