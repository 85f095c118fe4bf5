using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Trajectories;

/// <summary>The JSON shape of rollout files: snake_case, one compact object per line.</summary>
public static class TrajectoryJson
{
    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The serializer options of rollout files: reading them back, and the reference the hand-written writer is tested against.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>One episode as one line of JSON (no trailing newline).</summary>
    /// <remarks>
    /// Written by a hand-written <see cref="Utf8JsonWriter"/> path, not the reflection serializer:
    /// the bytes are those that <c>JsonSerializer.Serialize(record, Options)</c> gives, at a fraction
    /// of the time and allocation.
    /// </remarks>
    public static string Serialize(EpisodeRecord record) =>
        TrajectoryLineWriter.WithLine(record, static bytes => Utf8.GetString(bytes));

    /// <summary>One episode as one line of UTF-8 JSON with its trailing newline, as a rollout file holds it.</summary>
    public static byte[] SerializeToUtf8Line(EpisodeRecord record) =>
        TrajectoryLineWriter.WithLine(record, static bytes =>
        {
            var line = new byte[bytes.Length + 1];
            bytes.CopyTo(line);
            line[^1] = (byte)'\n';
            return line;
        });

    /// <summary>Reads one line back.</summary>
    public static EpisodeRecord Deserialize(string line) =>
        JsonSerializer.Deserialize<EpisodeRecord>(line, Options) ?? throw new JsonException("the line is JSON null, not an episode");

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            // Rollouts are data, not HTML: keep '<' and '>' of action tags readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
            NumberHandling = JsonNumberHandling.Strict,
            // Absent optional fields (token ids, tool names, errors) keep lines short.
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new StepInfoConverter());
        options.Converters.Add(new RewardBreakdownConverter());
        options.Converters.Add(new ToolInvocationConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class StepInfoConverter : JsonConverter<StepInfo>
    {
        public override StepInfo Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var info = StepInfo.Empty;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                info = info.With(property.Name, property.Value.Clone());
            }

            return info;
        }

        public override void Write(Utf8JsonWriter writer, StepInfo value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, element) in value.Values)
            {
                writer.WritePropertyName(key);
                element.WriteTo(writer);
            }

            writer.WriteEndObject();
        }
    }

    private sealed class RewardBreakdownConverter : JsonConverter<RewardBreakdown>
    {
        public override RewardBreakdown Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var terms = ImmutableArray.CreateBuilder<RewardTerm>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                terms.Add(new RewardTerm(
                    element.GetProperty("name").GetString()!,
                    element.GetProperty("kind").Deserialize<RewardKind>(options),
                    element.GetProperty("raw").GetDouble(),
                    element.GetProperty("weight").GetDouble()));
            }

            return new RewardBreakdown(terms);
        }

        public override void Write(Utf8JsonWriter writer, RewardBreakdown value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var term in value.Terms)
            {
                writer.WriteStartObject();
                writer.WriteString("name", term.Name);
                writer.WriteString("kind", term.Kind == RewardKind.Process ? "process" : "outcome");
                writer.WriteNumber("raw", term.Raw);
                writer.WriteNumber("weight", term.Weight);
                writer.WriteNumber("value", term.Value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    private sealed class ToolInvocationConverter : JsonConverter<ToolInvocation>
    {
        public override ToolInvocation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var error = root.TryGetProperty("error", out var e) ? e.Deserialize<ToolErrorKind>(options) : ToolErrorKind.None;
            return new ToolInvocation(
                new ToolCall(root.GetProperty("name").GetString()!, root.GetProperty("arguments").Clone()),
                new ToolResult(root.GetProperty("result").GetString()!, error)
                {
                    Data = root.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null ? data.Clone() : null,
                });
        }

        public override void Write(Utf8JsonWriter writer, ToolInvocation value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("name", value.Call.Name);
            writer.WritePropertyName("arguments");
            if (value.Call.Arguments.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                value.Call.Arguments.WriteTo(writer);
            }

            writer.WriteString("result", value.Result.Content);
            writer.WritePropertyName("error");
            JsonSerializer.Serialize(writer, value.Result.Error, options);
            if (value.Result.Data is { } data)
            {
                // Written only when a tool gives data, so files of tools without it keep their bytes.
                writer.WritePropertyName("data");
                data.WriteTo(writer);
            }

            writer.WriteEndObject();
        }
    }
}
