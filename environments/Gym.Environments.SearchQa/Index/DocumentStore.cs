using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Gym.Environments.SearchQa.Corpus;
using Microsoft.Win32.SafeHandles;

namespace Gym.Environments.SearchQa.Index;

/// <summary>
/// The documents themselves, beside the Lucene index, addressed by Lucene document number (which
/// equals corpus position: see <see cref="IndexBuilder"/>). <c>gym-docs.bin</c> holds, per document,
/// three little-endian int32 UTF-8 byte lengths (id, title, text) and then the three UTF-8 strings;
/// <c>gym-docs.idx</c> holds the int64 start offset of every document plus the end offset.
/// </summary>
/// <remarks>
/// This replaces Lucene's stored fields, which compress 16 KB blocks: fetching five hits meant
/// decompressing five blocks, about 300 µs a query at 100k documents, more than the search itself.
/// Here a hit costs one positioned read (<c>pread</c>) from the page cache and a UTF-8 decode.
/// The price is disk: the text is kept uncompressed.
/// </remarks>
internal sealed class DocumentStore : IDisposable
{
    public const string DataFile = "gym-docs.bin";
    public const string OffsetsFile = "gym-docs.idx";

    private const int HeaderBytes = 3 * sizeof(int);

    private readonly SafeFileHandle _data;
    private readonly long[] _offsets;

    private DocumentStore(SafeFileHandle data, long[] offsets)
    {
        _data = data;
        _offsets = offsets;
    }

    /// <summary>Documents in the store.</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>Opens the store in <paramref name="folder"/>, checking that its two files agree with each other.</summary>
    /// <exception cref="InvalidDataException">The offsets are inconsistent with each other or with the data file.</exception>
    public static DocumentStore Open(string folder)
    {
        var raw = File.ReadAllBytes(Path.Combine(folder, OffsetsFile));
        if (raw.Length % sizeof(long) != 0 || raw.Length == 0)
        {
            throw new InvalidDataException($"{OffsetsFile} has {raw.Length} bytes, not a whole number of offsets");
        }

        var offsets = new long[raw.Length / sizeof(long)];
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i * sizeof(long)));
            if (offsets[i] < (i == 0 ? 0 : offsets[i - 1] + HeaderBytes))
            {
                throw new InvalidDataException($"{OffsetsFile}: offset {i} goes backwards");
            }
        }

        var data = File.OpenHandle(Path.Combine(folder, DataFile), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        if (RandomAccess.GetLength(data) != offsets[^1])
        {
            data.Dispose();
            throw new InvalidDataException($"{DataFile} is not {offsets[^1]} bytes long, as {OffsetsFile} says");
        }

        return new DocumentStore(data, offsets);
    }

    /// <summary>Reads document <paramref name="number"/>. Thread-safe.</summary>
    public CorpusDocument Read(int number)
    {
        var start = _offsets[number];
        var length = checked((int)(_offsets[number + 1] - start));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var bytes = buffer.AsSpan(0, length);
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(_data, bytes[read..], start + read);
                if (n == 0)
                {
                    throw new InvalidDataException($"{DataFile} ends inside document {number}");
                }

                read += n;
            }

            var idLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            var titleLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
            var textLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
            if (idLength < 0 || titleLength < 0 || textLength < 0 || (long)HeaderBytes + idLength + titleLength + textLength != length)
            {
                throw new InvalidDataException($"{DataFile}: document {number} has inconsistent field lengths");
            }

            var body = bytes[HeaderBytes..];
            return new CorpusDocument(
                Encoding.UTF8.GetString(body[..idLength]),
                Encoding.UTF8.GetString(body.Slice(idLength, titleLength)),
                Encoding.UTF8.GetString(body.Slice(idLength + titleLength, textLength)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The lower-case hex SHA-256 of a file, for <see cref="IndexVerification.Checksums"/>.</summary>
    public static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <inheritdoc/>
    public void Dispose() => _data.Dispose();

    /// <summary>Appends documents in order and records the hashes of both files.</summary>
    internal sealed class Writer : IDisposable
    {
        private readonly FileStream _data;
        private readonly FileStream _offsets;
        private readonly IncrementalHash _dataHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash _offsetsHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = new byte[16 * 1024];
        private long _position;

        public Writer(string folder)
        {
            _data = new FileStream(Path.Combine(folder, DataFile), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
            _offsets = new FileStream(Path.Combine(folder, OffsetsFile), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            WriteOffset(0);
        }

        public void Add(CorpusDocument document)
        {
            var max = HeaderBytes + Encoding.UTF8.GetMaxByteCount(document.Id.Length + document.Title.Length + document.Text.Length);
            if (_buffer.Length < max)
            {
                _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
            }

            var span = _buffer.AsSpan();
            var id = Encoding.UTF8.GetBytes(document.Id, span[HeaderBytes..]);
            var title = Encoding.UTF8.GetBytes(document.Title, span[(HeaderBytes + id)..]);
            var text = Encoding.UTF8.GetBytes(document.Text, span[(HeaderBytes + id + title)..]);
            BinaryPrimitives.WriteInt32LittleEndian(span, id);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], title);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], text);
            var record = span[..(HeaderBytes + id + title + text)];
            _data.Write(record);
            _dataHash.AppendData(record);
            _position += record.Length;
            WriteOffset(_position);
        }

        /// <summary>Flushes both files to disk and returns their hashes by file name.</summary>
        public Dictionary<string, string> Finish()
        {
            _data.Flush(flushToDisk: true);
            _offsets.Flush(flushToDisk: true);
            return new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [DataFile] = Convert.ToHexStringLower(_dataHash.GetHashAndReset()),
                [OffsetsFile] = Convert.ToHexStringLower(_offsetsHash.GetHashAndReset()),
            };
        }

        public void Dispose()
        {
            _data.Dispose();
            _offsets.Dispose();
            _dataHash.Dispose();
            _offsetsHash.Dispose();
        }

        private void WriteOffset(long offset)
        {
            Span<byte> bytes = stackalloc byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, offset);
            _offsets.Write(bytes);
            _offsetsHash.AppendData(bytes);
        }
    }
}
