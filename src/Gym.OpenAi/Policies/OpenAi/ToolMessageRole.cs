namespace Gym.Core.Policies.OpenAi;

/// <summary>How an <see cref="OpenAiPolicy"/> sends tool results.</summary>
public enum ToolMessageRole
{
    /// <summary>As <c>tool</c> messages with the tool's <c>name</c> (vLLM, llama.cpp, Ollama, <c>gym serve-policy</c>).</summary>
    Tool,

    /// <summary>
    /// As <c>user</c> messages reading <c>Tool NAME returned:</c> and the result, for servers such as OpenAI's
    /// that accept a <c>tool</c> message only as the answer to a native <c>tool_calls</c> request.
    /// </summary>
    User,
}

/// <summary>How an <see cref="OpenAiPolicy"/> writes the conversation's tool use.</summary>
public enum OpenAiMessageMode
{
    /// <summary>
    /// Every message as text, as the environment wrote it: the assistant's tool calls are in its content
    /// (<c>&lt;search&gt;…&lt;/search&gt;</c>), no <c>tools</c> are sent. Works with every server; the default.
    /// </summary>
    Text,

    /// <summary>
    /// Chat-completion structure: the episode's tools as <c>tools</c>, the assistant's parsed calls as
    /// <c>tool_calls</c> (ids <c>call_TURN_INDEX</c>), tool results as <c>tool</c> messages with their
    /// <c>tool_call_id</c>; a reply's <c>tool_calls</c> become the action. The server applies the model's real
    /// chat template to tool turns (vLLM with a tool-call parser, <c>gym serve-policy</c>).
    /// </summary>
    Structured,
}
