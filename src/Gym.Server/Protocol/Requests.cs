using System.Text.Json;
using Gym.Core;

namespace Gym.Server.Protocol;

/// <summary>Opens a session on one of the served environments.</summary>
/// <param name="EnvironmentId">The environment id or scenario id; null when the server serves exactly one.</param>
/// <param name="Parameters">Environment parameters, as <c>gym run --param key=value</c> takes them.</param>
public sealed record CreateSessionRequest(string? EnvironmentId, IReadOnlyDictionary<string, string> Parameters);

/// <summary>Starts a new episode in a session.</summary>
/// <param name="Seed">The episode seed; null lets the server derive one (reported in the answer).</param>
/// <param name="Attempt">The attempt at the seed's task: same task, fresh environment noise (pass@k, GRPO groups).</param>
public sealed record ResetRequest(long? Seed, int Attempt);

/// <summary>Applies one action to the session's episode.</summary>
/// <param name="Action">The model's text, with its token ids and log-probs when given.</param>
/// <param name="Structured">
/// The action as an OpenAI assistant message with <c>tool_calls</c>, when sent so; the session writes it
/// in the environment's action format (<see cref="Action"/> then holds only its token ids and log-probs).
/// </param>
public sealed record StepRequest(AgentAction Action, StructuredAction? Structured = null);

/// <summary>An action sent as an OpenAI assistant message: its content and its structured tool calls.</summary>
/// <param name="Content">The message's content (null or empty when it only calls tools).</param>
/// <param name="Calls">Each call's function name and JSON-text arguments, in order.</param>
public sealed record StructuredAction(string? Content, IReadOnlyList<(string Name, string Arguments)> Calls);

/// <summary>The kinds of message a WebSocket client sends.</summary>
public enum MessageType
{
    /// <summary>Start an episode.</summary>
    Reset,

    /// <summary>Apply an action.</summary>
    Step,

    /// <summary>Describe the session.</summary>
    State,

    /// <summary>End the session and the connection.</summary>
    Close,
}

/// <summary>One parsed WebSocket message.</summary>
/// <param name="Type">What the client asks for.</param>
/// <param name="Id">The client's correlation id, echoed in the answer; undefined when absent.</param>
/// <param name="Reset">The reset's fields, for <see cref="MessageType.Reset"/>.</param>
/// <param name="Step">The step's fields, for <see cref="MessageType.Step"/>.</param>
public sealed record ClientMessage(MessageType Type, JsonElement Id, ResetRequest? Reset = null, StepRequest? Step = null);
