using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Gym.Learning.Metrics.Charts;

/// <summary>Writes 8-bit RGB images as PNG: IHDR, one zlib-compressed IDAT, IEND.</summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="rgb"/> (rows top to bottom, 3 bytes a pixel) as a PNG file.</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"Expected {width * height * 3} RGB bytes for {width}x{height}, got {rgb.Length}.", nameof(rgb));
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", Compress(width, height, rgb));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The CRC-32 (ISO-HDLC, as PNG and zlib use) of <paramref name="data"/>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    private static byte[] Compress(int width, int height, ReadOnlySpan<byte> rgb)
    {
        var stride = width * 3;
        var filtered = new byte[height * (stride + 1)];
        var candidate = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var row = rgb.Slice(y * stride, stride);
            var above = y > 0 ? rgb.Slice((y - 1) * stride, stride) : new byte[stride];
            var target = filtered.AsSpan(y * (stride + 1), stride + 1);

            // The usual heuristic: per row, the filter whose output has the smallest sum of absolute
            // (signed) bytes compresses best; charts are mostly flat, so Sub and Up win.
            var best = long.MaxValue;
            for (byte filter = 0; filter <= 4; filter++)
            {
                long cost = 0;
                for (var i = 0; i < stride; i++)
                {
                    var left = i >= 3 ? row[i - 3] : (byte)0;
                    var upLeft = i >= 3 ? above[i - 3] : (byte)0;
                    var predicted = filter switch
                    {
                        0 => 0,
                        1 => left,
                        2 => above[i],
                        3 => (left + above[i]) / 2,
                        _ => Paeth(left, above[i], upLeft),
                    };
                    candidate[i] = unchecked((byte)(row[i] - predicted)); // modulo 256, as PNG filters are defined
                    cost += Math.Abs((int)(sbyte)candidate[i]);
                }

                if (cost < best)
                {
                    best = cost;
                    target[0] = filter;
                    candidate.CopyTo(target[1..]);
                }
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(filtered);
        }

        return compressed.ToArray();
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, ~Update(Update(0xFFFFFFFFu, typeBytes), data));
        png.Write(word);
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
