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
