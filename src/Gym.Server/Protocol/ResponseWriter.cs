using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;
using Gym.Server.Sessions;

namespace Gym.Server.Protocol;

/// <summary>
/// Writes the protocol's JSON answers (snake_case, the field names of rollout files). HTTP and
/// WebSocket answers are the same objects; over WebSocket they also echo the request's <c>id</c>.
/// </summary>
public static class ResponseWriter
{
    // Observations and actions are full of '<' and '>' (tool-call tags): keep them readable, as rollout files do.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes one answer to UTF-8 bytes.</summary>
    public static byte[] ToBytes(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"type": "session", "session_id", "env_id", "max_turns"}</c>: a session was opened.</summary>
    public static void Session(Utf8JsonWriter writer, Session session)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(session);
        writer.WriteStartObject();
        writer.WriteString("type", "session");
        writer.WriteString("session_id", session.Id);
        writer.WriteString("env_id", session.EnvironmentId);
        writer.WriteNumber("max_turns", session.MaxTurns);
        writer.WriteEndObject();
    }

    /// <summary>The answer to a reset: the episode's seed and first observation.</summary>
    public static void Reset(Utf8JsonWriter writer, ResetOutcome outcome, JsonElement id = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(outcome);
        var state = outcome.State;
        writer.WriteStartObject();
        Start(writer, "reset", id);
        writer.WriteString("session_id", state.SessionId);
        writer.WriteString("env_id", state.EnvironmentId);
        writer.WriteNumber("episode", state.Episode);
        writer.WriteNumber("seed", state.Seed);
        writer.WriteNumber("attempt", state.Attempt);
        writer.WriteNumber("max_turns", state.MaxTurns);
        Messages(writer, "observation", outcome.Result.Observation);
        Info(writer, outcome.Result.Info);
        if (outcome.Tools is { } tools)
        {
            writer.WritePropertyName("tools");
            StructuredChat.WriteTools(writer, tools.Tools);
        }

        writer.WriteEndObject();
    }

    /// <summary>The answer to a step: observation delta, reward and breakdown, flags, stop reason, info.</summary>
    public static void Step(Utf8JsonWriter writer, StepOutcome outcome, JsonElement id = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(outcome);
        var result = outcome.Result;
        writer.WriteStartObject();
        Start(writer, "step", id);
        writer.WriteString("session_id", outcome.State.SessionId);
        writer.WriteNumber("turn", outcome.State.Turn);
        if (outcome.Assistant is { } assistant)
        {
            // The environment lists its tools: the played action as an assistant message with tool_calls, and
            // the tool results that answer its calls with their tool_call_id (both ids call_TURN_INDEX).
            writer.WritePropertyName("assistant");
            assistant.WriteTo(writer);
            if (outcome.PlayedText is { } played)
            {
                writer.WriteString("action_text", played);
            }

            writer.WriteStartArray("observation");
            foreach (var message in StructuredChat.Observation(result.Observation, outcome.State.Turn - 1))
            {
                message.WriteTo(writer);
            }

            writer.WriteEndArray();
        }
        else
        {
            Messages(writer, "observation", result.Observation);
        }

        writer.WriteNumber("reward", result.Reward);
        Breakdown(writer, result.Breakdown);
        writer.WriteBoolean("terminated", result.Terminated);
        writer.WriteBoolean("truncated", result.Truncated);
        StopReasonField(writer, result.StopReason);
        Info(writer, result.Info);
        writer.WritePropertyName("tool_calls");
        JsonSerializer.Serialize(writer, result.ToolCalls, TrajectoryJson.Options);
        if (result.FormatError is not null)
        {
            writer.WriteString("format_error", result.FormatError);
        }

        writer.WriteEndObject();
    }

    /// <summary>The answer to <c>state</c> and <c>GET /sessions/{id}</c>.</summary>
    public static void State(Utf8JsonWriter writer, SessionSnapshot state, JsonElement id = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(state);
        writer.WriteStartObject();
        Start(writer, "state", id);
        writer.WriteString("session_id", state.SessionId);
        writer.WriteString("env_id", state.EnvironmentId);
        writer.WriteString("transport", state.Transport == SessionTransport.Http ? "http" : "websocket");
        writer.WriteString("status", state.Status switch
        {
            SessionStatus.New => "new",
            SessionStatus.Running => "running",
            SessionStatus.Done => "done",
            _ => "failed",
        });
        writer.WriteNumber("episode", state.Episode);
        writer.WriteNumber("seed", state.Seed);
        writer.WriteNumber("attempt", state.Attempt);
        writer.WriteNumber("turn", state.Turn);
        writer.WriteNumber("max_turns", state.MaxTurns);
        writer.WriteNumber("episode_reward", state.EpisodeReward);
        writer.WriteBoolean("terminated", state.Terminated);
        writer.WriteBoolean("truncated", state.Truncated);
        StopReasonField(writer, state.StopReason);
        writer.WriteNumber("idle_seconds", Math.Round(state.IdleSeconds, 3));
        writer.WriteEndObject();
    }

    /// <summary><c>{"type": "closed", "session_id", "reason"}</c>.</summary>
    public static void Closed(Utf8JsonWriter writer, string sessionId, SessionCloseReason reason, JsonElement id = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        Start(writer, "closed", id);
        writer.WriteString("session_id", sessionId);
        writer.WriteString("reason", SessionCloseReasons.Name(reason));
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>{"error": {"code", "message"}}</c>; over WebSocket (<paramref name="asMessage"/>) also
    /// <c>"type": "error"</c> and the request's <c>id</c>.
    /// </summary>
    public static void Error(Utf8JsonWriter writer, ServerError error, bool asMessage = false, JsonElement id = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        if (asMessage)
        {
            Start(writer, "error", id);
        }

        writer.WriteStartObject("error");
        writer.WriteString("code", error.Code);
        writer.WriteString("message", error.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary><c>{"scenarios": [{"id", "description", "parameters": {name: description}}]}</c>.</summary>
    public static void Scenarios(Utf8JsonWriter writer, IEnumerable<EnvironmentDescriptor> descriptors)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(descriptors);
        writer.WriteStartObject();
        writer.WriteStartArray("scenarios");
        foreach (var descriptor in descriptors)
        {
            writer.WriteStartObject();
            writer.WriteString("id", descriptor.Id);
            writer.WriteString("description", descriptor.Description);
            writer.WriteStartObject("parameters");
            foreach (var (name, description) in descriptor.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, description);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary><c>{"status": "ok"|"stopping", "sessions", "max_sessions"}</c>.</summary>
    public static void Health(Utf8JsonWriter writer, bool stopping, int sessions, int maxSessions)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("status", stopping ? "stopping" : "ok");
        writer.WriteNumber("sessions", sessions);
        writer.WriteNumber("max_sessions", maxSessions);
        writer.WriteEndObject();
    }

    private static void Start(Utf8JsonWriter writer, string type, JsonElement id)
    {
        writer.WriteString("type", type);
        if (id.ValueKind != JsonValueKind.Undefined)
        {
            writer.WritePropertyName("id");
            id.WriteTo(writer);
        }
    }

    // The rollout files' own serialization, so messages, stop reasons, breakdowns and info read exactly as in a JSONL trajectory.
    private static void Messages(Utf8JsonWriter writer, string name, IReadOnlyList<ChatMessage> messages)
    {
        writer.WritePropertyName(name);
        JsonSerializer.Serialize(writer, messages, TrajectoryJson.Options);
    }

    private static void StopReasonField(Utf8JsonWriter writer, StopReason reason)
    {
        writer.WritePropertyName("stop_reason");
        JsonSerializer.Serialize(writer, reason, TrajectoryJson.Options);
    }

    private static void Breakdown(Utf8JsonWriter writer, RewardBreakdown breakdown)
    {
        writer.WritePropertyName("reward_breakdown");
        JsonSerializer.Serialize(writer, breakdown, TrajectoryJson.Options);
    }

    private static void Info(Utf8JsonWriter writer, StepInfo info)
    {
        writer.WritePropertyName("info");
        JsonSerializer.Serialize(writer, info, TrajectoryJson.Options);
    }
}
