using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Gym.Learning.Metrics;

/// <summary>
/// Writes scalar metrics as a TensorBoard event file (<c>events.out.tfevents.*</c>): TFRecord framing
/// (length, masked CRC-32C of the length, data, masked CRC-32C of the data) around <c>Event</c>
/// protocol buffers, the first one carrying <c>file_version = "brain.Event:2"</c>. Encoded by hand —
/// the format is small and stable — so no TensorFlow or protobuf package is needed.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly Func<double> _clock;

    /// <summary>Creates an event file in <paramref name="directory"/>; <paramref name="clock"/> gives wall time in seconds since the Unix epoch.</summary>
    public TensorBoardWriter(string directory, Func<double>? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        var start = _clock();
        Path = System.IO.Path.Combine(directory, $"events.out.tfevents.{(long)start}.gym");
        _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        WriteRecord(Event(start, 0, fileVersion: "brain.Event:2", tag: null, value: 0));
        _stream.Flush();
    }

    /// <summary>The event file.</summary>
    public string Path { get; }

    /// <summary>Appends one scalar at <paramref name="step"/>.</summary>
    public void Scalar(string tag, long step, double value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        WriteRecord(Event(_clock(), step, fileVersion: null, tag, (float)value));
    }

    /// <summary>Pushes written events to disk, so TensorBoard sees them while training runs.</summary>
    public void Flush() => _stream.Flush(flushToDisk: false);

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <summary>The CRC-32C (Castagnoli) of <paramref name="data"/>.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotated and offset so that CRCs of CRCs stay well distributed.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private void WriteRecord(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
    }

    // Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
    // Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
    private static byte[] Event(double wallTime, long step, string? fileVersion, string? tag, float value)
    {
        using var buffer = new MemoryStream();
        buffer.WriteByte((1 << 3) | 1);
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(eight, wallTime);
        buffer.Write(eight);
        buffer.WriteByte(2 << 3);
        WriteVarint(buffer, (ulong)step);
        if (fileVersion is not null)
        {
            WriteBytes(buffer, 3, Encoding.UTF8.GetBytes(fileVersion));
        }

        if (tag is not null)
        {
            using var valueMessage = new MemoryStream();
            WriteBytes(valueMessage, 1, Encoding.UTF8.GetBytes(tag));
            valueMessage.WriteByte((2 << 3) | 5);
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(four, value);
            valueMessage.Write(four);
            using var summary = new MemoryStream();
            WriteBytes(summary, 1, valueMessage.ToArray());
            WriteBytes(buffer, 5, summary.ToArray());
        }

        return buffer.ToArray();
    }

    private static void WriteBytes(Stream stream, int field, byte[] bytes)
    {
        stream.WriteByte((byte)((field << 3) | 2));
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}
