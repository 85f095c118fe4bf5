using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Trajectories;

/// <summary>
/// Writes an <see cref="EpisodeRecord"/> as the rollout line that <see cref="TrajectoryJson.Options"/>
/// gives through the reflection serializer, byte for byte, without reflection, boxing or an
/// intermediate string: field order, snake_case names, the omitted nulls and defaults and the
/// escaping are those of the serializer (a differential test holds them together).
/// </summary>
internal static class TrajectoryLineWriter
{
    // The serializer's writer settings for TrajectoryJson.Options: relaxed escaping, compact, its
    // default depth limit.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        MaxDepth = 64,
        SkipValidation = true,
    };

    // A buffer that grew for one huge episode is dropped rather than kept by the thread for good.
    private const int MaxKeptBuffer = 1 << 20;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Serializes <paramref name="record"/> into a per-thread buffer and hands its bytes to <paramref name="use"/>.</summary>
    public static TResult WithLine<TResult>(EpisodeRecord record, Func<ReadOnlySpan<byte>, TResult> use)
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(16 * 1024);
        var writer = t_writer ?? new Utf8JsonWriter(buffer, WriterOptions);
        // Taken off the thread while in use: a failed write cannot leave a half-written buffer behind.
        t_buffer = null;
        t_writer = null;
        writer.Reset(buffer);
        Write(writer, record);
        writer.Flush();
        var result = use(buffer.WrittenSpan);
        buffer.ResetWrittenCount();
        if (buffer.Capacity <= MaxKeptBuffer)
        {
            t_buffer = buffer;
            t_writer = writer;
        }

        return result;
    }

    /// <summary>Writes the whole record as one JSON object.</summary>
    private static void Write(Utf8JsonWriter writer, EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        writer.WriteStartObject();
        writer.WriteNumber(Names.Episode, record.Episode);
        WriteStringOrNull(writer, Names.EnvironmentId, record.EnvironmentId);
        writer.WriteNumber(Names.Seed, record.Seed);
        WriteStringOrNull(writer, Names.PolicyId, record.PolicyId);
        WriteEnum(writer, Names.Status, StatusName(record.Status), (int)record.Status);
        WriteEnum(writer, Names.StopReason, StopReasonName(record.StopReason), (int)record.StopReason);
        writer.WriteBoolean(Names.Terminated, record.Terminated);
        writer.WriteBoolean(Names.Truncated, record.Truncated);
        writer.WriteBoolean(Names.Success, record.Success);
        writer.WriteNumber(Names.TotalReward, record.TotalReward);
        WriteMessages(writer, Names.Prompt, record.Prompt);
        WriteInfo(writer, Names.ResetInfo, record.ResetInfo);
        if (record.Turns is not null)
        {
            writer.WriteStartArray(Names.Turns);
            foreach (var turn in record.Turns)
            {
                WriteTurn(writer, turn);
            }

            writer.WriteEndArray();
        }

        if (record.Error is { } error)
        {
            writer.WriteString(Names.Error, error);
        }

        if (record.Timings is { } timings)
        {
            writer.WriteStartObject(Names.Timings);
            writer.WriteNumber(Names.WallMs, timings.WallMs);
            writer.WriteNumber(Names.PolicyMs, timings.PolicyMs);
            writer.WriteNumber(Names.EnvironmentMs, timings.EnvironmentMs);
            writer.WriteEndObject();
        }

        writer.WriteNumber(Names.PeakContextTokens, record.PeakContextTokens);
        writer.WriteNumber(Names.MeanContextTokens, record.MeanContextTokens);
        writer.WriteEndObject();
    }

    private static void WriteTurn(Utf8JsonWriter writer, TurnRecord? turn)
    {
        if (turn is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteNumber(Names.Turn, turn.Turn);
        WriteAction(writer, turn.Action);
        WriteMessages(writer, Names.Observation, turn.Observation);
        if (turn.ToolCalls is not null)
        {
            writer.WriteStartArray(Names.ToolCalls);
            foreach (var call in turn.ToolCalls)
            {
                WriteToolInvocation(writer, call);
            }

            writer.WriteEndArray();
        }

        WriteRewardNumber(writer, Names.Reward, turn.Reward);
        if (turn.Breakdown is not null)
        {
            writer.WriteStartArray(Names.Breakdown);
            foreach (var term in turn.Breakdown.Terms)
            {
                writer.WriteStartObject();
                writer.WriteString(Names.Name, term.Name);
                writer.WriteString(Names.Kind, term.Kind == RewardKind.Process ? Names.Process : Names.Outcome);
                WriteRewardNumber(writer, Names.Raw, term.Raw);
                WriteRewardNumber(writer, Names.Weight, term.Weight);
                WriteRewardNumber(writer, Names.Value, term.Value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteBoolean(Names.Terminated, turn.Terminated);
        writer.WriteBoolean(Names.Truncated, turn.Truncated);
        WriteEnum(writer, Names.StopReason, StopReasonName(turn.StopReason), (int)turn.StopReason);
        if (turn.FormatError is { } formatError)
        {
            writer.WriteString(Names.FormatError, formatError);
        }

        WriteInfo(writer, Names.Info, turn.Info);
        if (turn.Context is not null)
        {
            writer.WriteStartArray(Names.Context);
            foreach (var segment in turn.Context)
            {
                writer.WriteStartObject();
                writer.WriteNumber(Names.Turn, segment.Turn);
                WriteEnum(writer, Names.Source, SourceName(segment.Source), (int)segment.Source);
                writer.WriteNumber(Names.Index, segment.Index);
                if (segment.ThinkStripped)
                {
                    writer.WriteBoolean(Names.ThinkStripped, true);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteNumber(Names.ContextTokens, turn.ContextTokens);
        writer.WriteEndObject();
    }

    private static void WriteAction(Utf8JsonWriter writer, AgentAction? action)
    {
        if (action is null)
        {
            return;
        }

        writer.WriteStartObject(Names.Action);
        WriteStringOrNull(writer, Names.Text, action.Text);
        if (action.TokenIds is { } ids)
        {
            writer.WriteStartArray(Names.TokenIds);
            foreach (var id in ids)
            {
                writer.WriteNumberValue(id);
            }

            writer.WriteEndArray();
        }

        if (action.LogProbs is { } logProbs)
        {
            writer.WriteStartArray(Names.LogProbs);
            foreach (var logProb in logProbs)
            {
                writer.WriteNumberValue(logProb);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteMessages(Utf8JsonWriter writer, JsonEncodedText name, IReadOnlyList<ChatMessage>? messages)
    {
        if (messages is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var message in messages)
        {
            if (message is null)
            {
                writer.WriteNullValue();
                continue;
            }

            writer.WriteStartObject();
            WriteEnum(writer, Names.Role, RoleName(message.Role), (int)message.Role);
            WriteContent(writer, message);
            if (message.Name is { } tool)
            {
                writer.WriteString(Names.Name, tool);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    // Reward numbers come from a few weights and raw values (0, 1, -1, 0.1, 0.2, …), written ten
    // times per turn: their text is kept per thread in a small table keyed by the bits and copied,
    // instead of formatting each shortest-round-trip. The text is the writer's own, made by a
    // scratch writer on a miss.
    private const int NumberSlotBits = 6;

    private const int NumberSlots = 1 << NumberSlotBits;

    [ThreadStatic]
    private static NumberText[]? t_numbers;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_numberBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_numberWriter;

    private readonly record struct NumberText(long Bits, byte[]? Utf8);

    private static void WriteRewardNumber(Utf8JsonWriter writer, JsonEncodedText name, double value)
    {
        if (!double.IsFinite(value))
        {
            // The writer's own error for NaN and infinities.
            writer.WriteNumber(name, value);
            return;
        }

        var bits = BitConverter.DoubleToInt64Bits(value);
        var numbers = t_numbers ??= new NumberText[NumberSlots];
        // Fibonacci hashing: round numbers (0, 1, -1, 0.5) differ only in their top bits.
        ref var slot = ref numbers[(int)(((ulong)bits * 0x9E3779B97F4A7C15UL) >> (64 - NumberSlotBits))];
        var utf8 = slot.Utf8;
        if (utf8 is null || slot.Bits != bits)
        {
            var buffer = t_numberBuffer ??= new ArrayBufferWriter<byte>(32);
            var scratch = t_numberWriter ??= new Utf8JsonWriter(buffer, WriterOptions);
            buffer.ResetWrittenCount();
            scratch.Reset(buffer);
            scratch.WriteNumberValue(value);
            scratch.Flush();
            utf8 = buffer.WrittenSpan.ToArray();
            slot = new NumberText(bits, utf8);
        }

        writer.WritePropertyName(name);
        writer.WriteRawValue(utf8, skipInputValidation: true);
    }

    // A system prompt (a kilobyte, full of quotes to escape) is the same text in every episode of
    // an environment: once a thread has seen the same system text twice in a row, its escaped form
    // is kept and copied. Other messages differ from episode to episode and are escaped each time.
    private const int MinCachedContent = 256;

    [ThreadStatic]
    private static (string Text, JsonEncodedText Encoded)? t_system;

    [ThreadStatic]
    private static string? t_systemCandidate;

    private static void WriteContent(Utf8JsonWriter writer, ChatMessage message)
    {
        var content = message.Content;
        if (message.Role != ChatRole.System || content is null || content.Length < MinCachedContent)
        {
            WriteStringOrNull(writer, Names.Content, content);
            return;
        }

        if (t_system is { } cached && string.Equals(cached.Text, content, StringComparison.Ordinal))
        {
            writer.WriteString(Names.Content, cached.Encoded);
            return;
        }

        if (string.Equals(t_systemCandidate, content, StringComparison.Ordinal) && CanEncodeAhead(content))
        {
            var encoded = JsonEncodedText.Encode(content, WriterOptions.Encoder);
            t_system = (content, encoded);
            writer.WriteString(Names.Content, encoded);
            return;
        }

        t_systemCandidate = content;
        writer.WriteString(Names.Content, content);
    }

    // JsonEncodedText rejects half a surrogate pair, which the writer replaces instead.
    private static bool CanEncodeAhead(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static void WriteInfo(Utf8JsonWriter writer, JsonEncodedText name, StepInfo? info)
    {
        if (info is null)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var (key, element) in info.Values)
        {
            writer.WritePropertyName(key);
            element.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    private static void WriteToolInvocation(Utf8JsonWriter writer, ToolInvocation? invocation)
    {
        if (invocation is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteString(Names.Name, invocation.Call.Name);
        writer.WritePropertyName(Names.Arguments);
        if (invocation.Call.Arguments.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            invocation.Call.Arguments.WriteTo(writer);
        }

        writer.WriteString(Names.Result, invocation.Result.Content);
        writer.WritePropertyName(Names.Error);
        WriteToolError(writer, invocation.Result.Error);
        if (invocation.Result.Data is { } data)
        {
            writer.WritePropertyName(Names.Data);
            data.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    // Null properties are left out, as DefaultIgnoreCondition.WhenWritingNull leaves them out.
    private static void WriteStringOrNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteToolError(Utf8JsonWriter writer, ToolErrorKind error)
    {
        if (error switch
        {
            ToolErrorKind.None => Names.None,
            ToolErrorKind.UnknownTool => Names.UnknownTool,
            ToolErrorKind.InvalidArguments => Names.InvalidArguments,
            ToolErrorKind.ToolError => Names.ToolError,
            ToolErrorKind.Crashed => Names.Crashed,
            ToolErrorKind.TimedOut => Names.TimedOut,
            _ => (JsonEncodedText?)null,
        } is { } text)
        {
            writer.WriteStringValue(text);
        }
        else
        {
            writer.WriteNumberValue((int)error);
        }
    }

    private static JsonEncodedText? StatusName(EpisodeStatus status) => status switch
    {
        EpisodeStatus.Completed => Names.Completed,
        EpisodeStatus.Failed => Names.Failed,
        EpisodeStatus.Cancelled => Names.CancelledValue,
        _ => null,
    };

    private static JsonEncodedText? StopReasonName(StopReason reason) => reason switch
    {
        StopReason.None => Names.None,
        StopReason.Answered => Names.Answered,
        StopReason.TerminalState => Names.TerminalState,
        StopReason.MaxTurns => Names.MaxTurns,
        StopReason.Error => Names.ErrorValue,
        StopReason.Cancelled => Names.CancelledValue,
        _ => null,
    };

    private static JsonEncodedText? SourceName(ContextSource source) => source switch
    {
        ContextSource.Prompt => Names.Prompt,
        ContextSource.Action => Names.Action,
        ContextSource.Observation => Names.Observation,
        _ => null,
    };

    private static JsonEncodedText? RoleName(ChatRole role) => role switch
    {
        ChatRole.System => Names.System,
        ChatRole.User => Names.User,
        ChatRole.Assistant => Names.Assistant,
        ChatRole.Tool => Names.Tool,
        _ => null,
    };

    // A value outside its enum (only a cast makes one) is written as its number, as
    // JsonStringEnumConverter writes it.
    private static void WriteEnum(Utf8JsonWriter writer, JsonEncodedText name, JsonEncodedText? text, int value)
    {
        if (text is { } known)
        {
            writer.WriteString(name, known);
        }
        else
        {
            writer.WriteNumber(name, value);
        }
    }

    /// <summary>The field names and enum values of the rollout format, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Episode = JsonEncodedText.Encode("episode");
        public static readonly JsonEncodedText EnvironmentId = JsonEncodedText.Encode("environment_id");
        public static readonly JsonEncodedText Seed = JsonEncodedText.Encode("seed");
        public static readonly JsonEncodedText PolicyId = JsonEncodedText.Encode("policy_id");
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText StopReason = JsonEncodedText.Encode("stop_reason");
        public static readonly JsonEncodedText Terminated = JsonEncodedText.Encode("terminated");
        public static readonly JsonEncodedText Truncated = JsonEncodedText.Encode("truncated");
        public static readonly JsonEncodedText Success = JsonEncodedText.Encode("success");
        public static readonly JsonEncodedText TotalReward = JsonEncodedText.Encode("total_reward");
        public static readonly JsonEncodedText Prompt = JsonEncodedText.Encode("prompt");
        public static readonly JsonEncodedText ResetInfo = JsonEncodedText.Encode("reset_info");
        public static readonly JsonEncodedText Turns = JsonEncodedText.Encode("turns");
        public static readonly JsonEncodedText Error = JsonEncodedText.Encode("error");
        public static readonly JsonEncodedText Timings = JsonEncodedText.Encode("timings");
        public static readonly JsonEncodedText WallMs = JsonEncodedText.Encode("wall_ms");
        public static readonly JsonEncodedText PolicyMs = JsonEncodedText.Encode("policy_ms");
        public static readonly JsonEncodedText EnvironmentMs = JsonEncodedText.Encode("environment_ms");
        public static readonly JsonEncodedText PeakContextTokens = JsonEncodedText.Encode("peak_context_tokens");
        public static readonly JsonEncodedText MeanContextTokens = JsonEncodedText.Encode("mean_context_tokens");
        public static readonly JsonEncodedText Turn = JsonEncodedText.Encode("turn");
        public static readonly JsonEncodedText Action = JsonEncodedText.Encode("action");
        public static readonly JsonEncodedText Observation = JsonEncodedText.Encode("observation");
        public static readonly JsonEncodedText ToolCalls = JsonEncodedText.Encode("tool_calls");
        public static readonly JsonEncodedText Reward = JsonEncodedText.Encode("reward");
        public static readonly JsonEncodedText Breakdown = JsonEncodedText.Encode("breakdown");
        public static readonly JsonEncodedText FormatError = JsonEncodedText.Encode("format_error");
        public static readonly JsonEncodedText Info = JsonEncodedText.Encode("info");
        public static readonly JsonEncodedText Context = JsonEncodedText.Encode("context");
        public static readonly JsonEncodedText ContextTokens = JsonEncodedText.Encode("context_tokens");
        public static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
        public static readonly JsonEncodedText Index = JsonEncodedText.Encode("index");
        public static readonly JsonEncodedText ThinkStripped = JsonEncodedText.Encode("think_stripped");
        public static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
        public static readonly JsonEncodedText TokenIds = JsonEncodedText.Encode("token_ids");
        public static readonly JsonEncodedText LogProbs = JsonEncodedText.Encode("log_probs");
        public static readonly JsonEncodedText Role = JsonEncodedText.Encode("role");
        public static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
        public static readonly JsonEncodedText Raw = JsonEncodedText.Encode("raw");
        public static readonly JsonEncodedText Weight = JsonEncodedText.Encode("weight");
        public static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
        public static readonly JsonEncodedText Arguments = JsonEncodedText.Encode("arguments");
        public static readonly JsonEncodedText Result = JsonEncodedText.Encode("result");
        public static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
        public static readonly JsonEncodedText Process = JsonEncodedText.Encode("process");
        public static readonly JsonEncodedText Outcome = JsonEncodedText.Encode("outcome");
        public static readonly JsonEncodedText None = JsonEncodedText.Encode("none");
        public static readonly JsonEncodedText Answered = JsonEncodedText.Encode("answered");
        public static readonly JsonEncodedText TerminalState = JsonEncodedText.Encode("terminal_state");
        public static readonly JsonEncodedText MaxTurns = JsonEncodedText.Encode("max_turns");
        public static readonly JsonEncodedText ErrorValue = JsonEncodedText.Encode("error");
        public static readonly JsonEncodedText CancelledValue = JsonEncodedText.Encode("cancelled");
        public static readonly JsonEncodedText Completed = JsonEncodedText.Encode("completed");
        public static readonly JsonEncodedText Failed = JsonEncodedText.Encode("failed");
        public static readonly JsonEncodedText System = JsonEncodedText.Encode("system");
        public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
        public static readonly JsonEncodedText Assistant = JsonEncodedText.Encode("assistant");
        public static readonly JsonEncodedText Tool = JsonEncodedText.Encode("tool");
        public static readonly JsonEncodedText UnknownTool = JsonEncodedText.Encode("unknown_tool");
        public static readonly JsonEncodedText InvalidArguments = JsonEncodedText.Encode("invalid_arguments");
        public static readonly JsonEncodedText ToolError = JsonEncodedText.Encode("tool_error");
        public static readonly JsonEncodedText Crashed = JsonEncodedText.Encode("crashed");
        public static readonly JsonEncodedText TimedOut = JsonEncodedText.Encode("timed_out");
    }
}
