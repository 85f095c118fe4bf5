using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">The stored element type, as the file writes it (<c>F32</c>, <c>F16</c>, <c>BF16</c>, …).</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Begin">First byte of the data, counted from the end of the header.</param>
/// <param name="End">One past the last byte of the data, counted from the end of the header.</param>
public sealed record SafetensorsEntry(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End);

/// <summary>
/// The safetensors format (Hugging Face's checkpoint format): an 8-byte little-endian header length, a
/// JSON header mapping each name to its dtype, shape and byte range, then the raw little-endian data.
/// Read and written here directly; TorchSharp 0.107 has no reader of its own.
/// </summary>
public static class Safetensors
{
    // A header beyond this is a corrupt or hostile file, not a checkpoint.
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, ScalarType> Types = new(StringComparer.Ordinal)
    {
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["F64"] = ScalarType.Float64,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>The tensor entries of the file at <paramref name="path"/>, in header order.</summary>
    /// <exception cref="FormatException">The file is not valid safetensors.</exception>
    public static IReadOnlyList<SafetensorsEntry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path, out _);
    }

    /// <summary>
    /// Reads every tensor of the file at <paramref name="path"/> onto the CPU, converted to
    /// <paramref name="dtype"/> when given. The caller owns the tensors (they join the current dispose scope).
    /// </summary>
    /// <exception cref="FormatException">The file is not valid safetensors.</exception>
    public static Dictionary<string, Tensor> Load(string path, ScalarType? dtype = null)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in Read(path, null, dtype))
        {
            result[name] = tensor;
        }

        return result;
    }

    /// <summary>
    /// Reads the tensors of <paramref name="path"/> one at a time, onto the CPU, only those in
    /// <paramref name="names"/> when given, converted to <paramref name="dtype"/> when given; one tensor is in
    /// memory at a time unless the caller keeps them.
    /// </summary>
    /// <exception cref="FormatException">The file is not valid safetensors.</exception>
    public static IEnumerable<(string Name, Tensor Tensor)> Read(string path, IReadOnlySet<string>? names = null, ScalarType? dtype = null)
    {
        EnsureLittleEndian();
        using var stream = File.OpenRead(path);
        var entries = ReadHeader(stream, path, out var dataStart);
        foreach (var entry in entries)
        {
            if (names is not null && !names.Contains(entry.Name))
            {
                continue;
            }

            var tensor = empty([.. entry.Shape], Types[entry.DType]);
            var length = entry.End - entry.Begin;
            if (length > int.MaxValue)
            {
                throw new NotSupportedException($"'{path}': tensor '{entry.Name}' has {length} bytes; tensors over 2 GiB are not supported");
            }

            stream.Seek(dataStart + entry.Begin, SeekOrigin.Begin);
            stream.ReadExactly(tensor.bytes);
            if (dtype is { } target && target != tensor.dtype)
            {
                tensor = tensor.to_type(target, disposeAfter: true);
            }

            yield return (entry.Name, tensor);
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> (replacing it) in their own dtypes
    /// (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL), with optional string metadata.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();
        using var scope = NewDisposeScope();
        var header = new JsonObject();
        if (metadata is not null)
        {
            header["__metadata__"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value)));
        }

        var data = new List<Tensor>();
        long offset = 0;
        foreach (var (name, source) in tensors)
        {
            var dtypeName = Types.FirstOrDefault(t => t.Value == source.dtype).Key
                ?? throw new NotSupportedException($"tensor '{name}' has the type {source.dtype}, which safetensors files here do not store");
            var cpu = source.detach().cpu().contiguous();
            var length = cpu.NumberOfElements * cpu.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray([.. cpu.shape.Select(d => (JsonNode?)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            data.Add(cpu);
            offset += length;
        }

        // The data must start 8-byte aligned: pad the header with spaces, as the reference writer does.
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        using var stream = File.Create(path);
        stream.Write(prefix);
        stream.Write(json);
        stream.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
        foreach (var tensor in data)
        {
            stream.Write(tensor.bytes);
        }
    }

    private static List<SafetensorsEntry> ReadHeader(Stream stream, string path, out long dataStart)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
        {
            throw new FormatException($"'{path}' is not a safetensors file: shorter than its 8-byte header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
        {
            throw new FormatException($"'{path}' is not a safetensors file: header length {headerLength} does not fit the file ({stream.Length} bytes)");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        dataStart = 8 + (long)headerLength;
        var dataLength = stream.Length - dataStart;

        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new FormatException("empty header");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException($"'{path}' is not a safetensors file: its header is not a JSON object ({ex.Message})", ex);
        }

        var entries = new List<SafetensorsEntry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                continue;
            }

            try
            {
                var dtype = (string?)node?["dtype"] ?? throw new FormatException("no dtype");
                if (!Types.TryGetValue(dtype, out var type))
                {
                    throw new NotSupportedException($"'{path}': tensor '{name}' has the unsupported dtype {dtype}; supported: {string.Join(", ", Types.Keys)}");
                }

                var shape = (node!["shape"] as JsonArray ?? throw new FormatException("no shape")).Select(d => d!.GetValue<long>()).ToArray();
                var offsets = (node["data_offsets"] as JsonArray ?? throw new FormatException("no data_offsets")).Select(o => o!.GetValue<long>()).ToArray();
                var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(type);
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != expected)
                {
                    throw new FormatException($"data_offsets [{string.Join(", ", offsets)}] do not hold {expected} bytes inside the {dataLength}-byte data");
                }

                entries.Add(new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]));
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or JsonException)
            {
                throw new FormatException($"'{path}': tensor '{name}' has an unreadable header entry: {ex.Message}", ex);
            }
        }

        return entries;
    }

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        }
    }
}
