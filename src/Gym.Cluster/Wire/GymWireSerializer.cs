using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;

namespace Gym.Cluster.Wire;

/// <summary>
/// The one serializer of every Gym message that crosses nodes (docs/cluster.md, "Serialization"):
/// a compact, explicit binary layout per message type, chosen by a one-letter manifest. Strings are
/// UTF-8 with a 7-bit length prefix, integers little-endian, optional fields a presence byte. A
/// trajectory travels as its rollout-file JSON line (<see cref="TrajectoryJson"/>), the format the
/// head writes anyway, so the file a cluster writes is byte for byte the one a single process writes.
/// Nothing here reflects over types: a message type without a case below cannot be sent.
/// </summary>
public sealed class GymWireSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id registered with Akka (ids below 100 are Akka's own).</summary>
    public const int Id = 4716;

    /// <summary>The messages this serializer writes, with their manifests; the HOCON bindings are made from it.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests { get; } = new Dictionary<Type, string>
    {
        [typeof(PlayShardedEpisode)] = "P",
        [typeof(EpisodeAccepted)] = "A",
        [typeof(ShardedEpisodeEnded)] = "E",
        [typeof(StopEpisodeEntity)] = "S",
        [typeof(RequestAction)] = "R",
        [typeof(ActionChosen)] = "C",
        [typeof(ActionFailed)] = "F",
        [typeof(OpenServerSession)] = "SO",
        [typeof(ServerSessionOpened)] = "SA",
        [typeof(ResetServerSession)] = "SR",
        [typeof(StepServerSession)] = "SS",
        [typeof(ServerSessionReset)] = "SE",
        [typeof(ServerSessionStepped)] = "ST",
        [typeof(ServerSessionFailed)] = "SF",
        [typeof(CloseServerSession)] = "SC",
    };

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Creates the serializer; Akka calls this from the HOCON binding.</summary>
    public GymWireSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <summary>The HOCON that binds every message in <see cref="Manifests"/> to this serializer.</summary>
    public static string Hocon()
    {
        var name = typeof(GymWireSerializer);
        var bindings = new StringBuilder();
        foreach (var type in Manifests.Keys)
        {
            bindings.Append(System.Globalization.CultureInfo.InvariantCulture, $"      \"{type.FullName}, {type.Assembly.GetName().Name}\" = gym-wire\n");
        }

        return $$"""
            akka.actor {
              serializers { gym-wire = "{{name.FullName}}, {{name.Assembly.GetName().Name}}" }
              serialization-bindings {
            {{bindings}}  }
              serialization-identifiers { "{{name.FullName}}, {{name.Assembly.GetName().Name}}" = {{Id}} }
            }
            """;
    }

    /// <inheritdoc />
    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Manifests.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().FullName} has no wire format (add it to {nameof(GymWireSerializer)})", nameof(o));
    }

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Utf8, leaveOpen: true))
        {
            switch (obj)
            {
                case PlayShardedEpisode play:
                    WritePlay(writer, play);
                    break;
                case EpisodeAccepted accepted:
                    writer.Write(accepted.RunId);
                    writer.Write(accepted.Episode);
                    writer.Write(accepted.Attempt);
                    break;
                case ShardedEpisodeEnded ended:
                    writer.Write(ended.RunId);
                    writer.Write(ended.Attempt);
                    WriteBytes(writer, Utf8.GetBytes(TrajectoryJson.Serialize(ended.Record)));
                    break;
                case StopEpisodeEntity:
                    break;
                case RequestAction request:
                    writer.Write(request.RunId);
                    writer.Write(request.Ticket);
                    WriteRequest(writer, request.Request);
                    break;
                case ActionChosen chosen:
                    writer.Write(chosen.Ticket);
                    WriteAction(writer, chosen.Action);
                    break;
                case ActionFailed failed:
                    writer.Write(failed.Ticket);
                    writer.Write(failed.Error);
                    break;
                case OpenServerSession open:
                    writer.Write(open.SessionId);
                    writer.Write(open.Source);
                    writer.Write(open.EnvironmentId);
                    WriteDictionary(writer, open.Parameters);
                    break;
                case ServerSessionOpened opened:
                    writer.Write(Serialization.SerializedActorPath(opened.Entity));
                    break;
                case ResetServerSession reset:
                    writer.Write(reset.Seed);
                    writer.Write(reset.Attempt);
                    break;
                case StepServerSession step:
                    WriteAction(writer, step.Action);
                    break;
                case ServerSessionReset reset:
                    WriteBytes(writer, JsonSerializer.SerializeToUtf8Bytes(reset.Result, TrajectoryJson.Options));
                    break;
                case ServerSessionStepped stepped:
                    WriteBytes(writer, JsonSerializer.SerializeToUtf8Bytes(stepped.Result, TrajectoryJson.Options));
                    break;
                case ServerSessionFailed failed:
                    writer.Write(failed.Error);
                    break;
                case CloseServerSession:
                    break;
                default:
                    throw new ArgumentException($"{obj?.GetType().FullName ?? "null"} has no wire format (add it to {nameof(GymWireSerializer)})", nameof(obj));
            }
        }

        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Utf8);
        return manifest switch
        {
            "P" => ReadPlay(reader),
            "A" => new EpisodeAccepted(reader.ReadString(), reader.ReadInt64(), reader.ReadInt32()),
            "E" => new ShardedEpisodeEnded(reader.ReadString(), reader.ReadInt32(), TrajectoryJson.Deserialize(Utf8.GetString(ReadBytes(reader)))),
            "S" => StopEpisodeEntity.Instance,
            "R" => ReadRequestAction(reader),
            "C" => ReadChosen(reader),
            "F" => ReadFailed(reader),
            "SO" => new OpenServerSession(reader.ReadString(), reader.ReadString(), reader.ReadString(), ReadDictionary(reader)),
            "SA" => new ServerSessionOpened(system.Provider.ResolveActorRef(reader.ReadString())),
            "SR" => new ResetServerSession(reader.ReadInt64(), reader.ReadInt32()),
            "SS" => new StepServerSession(ReadAction(reader)),
            "SE" => new ServerSessionReset(ReadJson<ResetResult>(reader)),
            "ST" => new ServerSessionStepped(ReadJson<StepResult>(reader)),
            "SF" => new ServerSessionFailed(reader.ReadString()),
            "SC" => CloseServerSession.Instance,
            _ => throw new System.Runtime.Serialization.SerializationException($"unknown Gym wire manifest '{manifest}': is the sending node running another Gym version?"),
        };
    }

    private static void WritePlay(BinaryWriter writer, PlayShardedEpisode play)
    {
        writer.Write(play.RunId);
        writer.Write(play.Source);
        writer.Write(play.PolicyId);
        WritePlan(writer, play.Plan);
        writer.Write(play.Start.Episode);
        WriteOptionalInt(writer, play.Start.CurriculumLevel);
        WriteDictionary(writer, play.Start.Parameters);
        writer.Write(play.Attempt);
        writer.Write(Serialization.SerializedActorPath(play.Gateway));
        writer.Write(Serialization.SerializedActorPath(play.Coordinator));
    }

    private PlayShardedEpisode ReadPlay(BinaryReader reader)
    {
        var runId = reader.ReadString();
        var source = reader.ReadString();
        var policyId = reader.ReadString();
        var plan = ReadPlan(reader);
        var start = new EpisodeStart(reader.ReadInt64(), ReadOptionalInt(reader), ReadDictionary(reader));
        var attempt = reader.ReadInt32();
        var gateway = system.Provider.ResolveActorRef(reader.ReadString());
        var coordinator = system.Provider.ResolveActorRef(reader.ReadString());
        return new PlayShardedEpisode(runId, source, policyId, plan, start, attempt, gateway, coordinator);
    }

    private static void WritePlan(BinaryWriter writer, RolloutPlan plan)
    {
        writer.Write(plan.EnvironmentId);
        WriteDictionary(writer, plan.Parameters);
        writer.Write(plan.Episodes);
        writer.Write(plan.Concurrency);
        writer.Write(plan.Seed);
        writer.Write(plan.GroupSize);
        writer.Write(plan.RecordTimings);
        writer.Write((int)plan.Memory.Mode);
        writer.Write(plan.Memory.Window);
        writer.Write(plan.Tokenizer);
        writer.Write(plan.Curriculum is not null);
        if (plan.Curriculum is { } curriculum)
        {
            writer.Write(curriculum.Parameter);
            writer.Write(curriculum.Levels.Count);
            foreach (var level in curriculum.Levels)
            {
                writer.Write(level);
            }

            writer.Write(curriculum.PromoteAt);
            writer.Write(curriculum.Window);
        }
    }

    private static RolloutPlan ReadPlan(BinaryReader reader)
    {
        var environmentId = reader.ReadString();
        var parameters = ReadDictionary(reader);
        var episodes = reader.ReadInt32();
        var concurrency = reader.ReadInt32();
        var seed = reader.ReadInt64();
        var groupSize = reader.ReadInt32();
        var timings = reader.ReadBoolean();
        var memory = new MemorySpec((MemoryMode)reader.ReadInt32(), reader.ReadInt32());
        var tokenizer = reader.ReadString();
        CurriculumPlan? curriculum = null;
        if (reader.ReadBoolean())
        {
            var parameter = reader.ReadString();
            var levels = new string[reader.ReadInt32()];
            for (var i = 0; i < levels.Length; i++)
            {
                levels[i] = reader.ReadString();
            }

            curriculum = new CurriculumPlan(parameter, levels, reader.ReadDouble(), reader.ReadInt32());
        }

        return new RolloutPlan(environmentId, parameters, episodes, concurrency, seed, groupSize, timings, memory, tokenizer, curriculum);
    }

    private static void WriteRequest(BinaryWriter writer, PolicyRequest request)
    {
        writer.Write(request.EpisodeId);
        writer.Write(request.Seed);
        writer.Write(request.Turn);
        writer.Write(request.Attempt);
        writer.Write(request.Context.Count);
        foreach (var message in request.Context)
        {
            writer.Write((byte)message.Role);
            writer.Write(message.Content);
            WriteOptionalString(writer, message.Name);
        }

        writer.Write(request.Parameters is not null);
        if (request.Parameters is not null)
        {
            WriteDictionary(writer, request.Parameters);
        }
    }

    private static RequestAction ReadRequestAction(BinaryReader reader)
    {
        var runId = reader.ReadString();
        var ticket = reader.ReadInt64();
        var episodeId = reader.ReadString();
        var seed = reader.ReadInt64();
        var turn = reader.ReadInt32();
        var attempt = reader.ReadInt32();
        var context = new ChatMessage[reader.ReadInt32()];
        for (var i = 0; i < context.Length; i++)
        {
            context[i] = new ChatMessage((ChatRole)reader.ReadByte(), reader.ReadString(), ReadOptionalString(reader));
        }

        var parameters = reader.ReadBoolean() ? ReadDictionary(reader) : null;
        return new RequestAction(runId, new PolicyRequest(episodeId, seed, turn, context, parameters, attempt)) { Ticket = ticket };
    }

    private static void WriteAction(BinaryWriter writer, AgentAction action)
    {
        writer.Write(action.Text);
        writer.Write(action.TokenIds is not null);
        if (action.TokenIds is { } ids)
        {
            writer.Write(ids.Count);
            foreach (var id in ids)
            {
                writer.Write(id);
            }
        }

        writer.Write(action.LogProbs is not null);
        if (action.LogProbs is { } logProbs)
        {
            writer.Write(logProbs.Count);
            foreach (var p in logProbs)
            {
                writer.Write(p);
            }
        }
    }

    private static ActionChosen ReadChosen(BinaryReader reader)
    {
        var ticket = reader.ReadInt64();
        return new ActionChosen(ReadAction(reader)) { Ticket = ticket };
    }

    // Results travel in the JSON of rollout files (the same converters for info, reward breakdowns and
    // tool calls), which round-trips every field a client sees, doubles included.
    private static T ReadJson<T>(BinaryReader reader) =>
        JsonSerializer.Deserialize<T>(ReadBytes(reader), TrajectoryJson.Options) ?? throw new System.Runtime.Serialization.SerializationException($"a {typeof(T).Name} on the wire was JSON null");

    private static AgentAction ReadAction(BinaryReader reader)
    {
        var text = reader.ReadString();
        int[]? ids = null;
        if (reader.ReadBoolean())
        {
            ids = new int[reader.ReadInt32()];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = reader.ReadInt32();
            }
        }

        float[]? logProbs = null;
        if (reader.ReadBoolean())
        {
            logProbs = new float[reader.ReadInt32()];
            for (var i = 0; i < logProbs.Length; i++)
            {
                logProbs[i] = reader.ReadSingle();
            }
        }

        return new AgentAction(text, ids, logProbs);
    }

    private static ActionFailed ReadFailed(BinaryReader reader)
    {
        var ticket = reader.ReadInt64();
        return new ActionFailed(reader.ReadString()) { Ticket = ticket };
    }

    private static void WriteDictionary(BinaryWriter writer, IReadOnlyDictionary<string, string> values)
    {
        writer.Write(values.Count);
        // In enumeration order, so that the worker's dictionary enumerates as the head's did.
        foreach (var (key, value) in values)
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    private static Dictionary<string, string> ReadDictionary(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var values = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            values[reader.ReadString()] = reader.ReadString();
        }

        return values;
    }

    private static void WriteOptionalString(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadOptionalString(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static void WriteOptionalInt(BinaryWriter writer, int? value)
    {
        writer.Write(value.HasValue);
        if (value is { } v)
        {
            writer.Write(v);
        }
    }

    private static int? ReadOptionalInt(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadInt32() : null;

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write7BitEncodedInt(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader) => reader.ReadBytes(reader.Read7BitEncodedInt());
}
