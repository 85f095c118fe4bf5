using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Index;

/// <summary>
/// Streams a corpus into SHA-256 to name its cached index. Each string is hashed as its UTF-16
/// length followed by its raw UTF-16 code units: no encoding pass, and unlike UTF-8 it stays
/// injective for strings with lone surrogates. Small writes are batched into one buffer, because
/// each <see cref="IncrementalHash.AppendData(ReadOnlySpan{byte})"/> call costs a native transition.
/// </summary>
internal sealed class CorpusHasher : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _used;

    /// <summary>Starts a hash whose input begins with <paramref name="settings"/> (the index format and analysis settings).</summary>
    public CorpusHasher(string settings)
    {
        Append(settings);
    }

    /// <summary>Documents added so far.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one document, checking that the index can hold it (no null fields, no immense id or title).</summary>
    public void Add(CorpusDocument document)
    {
        if (document is null)
        {
            throw new ArgumentException($"corpus document #{Count} is null", nameof(document));
        }

        if (document.Id is null || document.Title is null || document.Text is null)
        {
            throw new ArgumentException($"corpus document #{Count} ('{document.Id}') has a null id, title or text", nameof(document));
        }

        if (document.Id.Length > IndexLayout.MaxKeyChars || document.Title.Length > IndexLayout.MaxKeyChars)
        {
            throw new ArgumentException($"corpus document #{Count} has an id or title longer than {IndexLayout.MaxKeyChars} characters", nameof(document));
        }

        Append(document.Id);
        Append(document.Title);
        Append(document.Text);
        Count++;
    }

    /// <summary>Ends the hash (the document count is hashed last) and returns it as lower-case hex.</summary>
    public string Finish()
    {
        AppendInt32(Count);
        Flush();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    /// <summary>Hashes a whole corpus: the cache key and the document count.</summary>
    public static (string Key, int Count) Compute(IEnumerable<CorpusDocument> corpus, string settings)
    {
        using var hasher = new CorpusHasher(settings);
        foreach (var document in corpus)
        {
            hasher.Add(document);
        }

        var count = hasher.Count;
        return (hasher.Finish(), count);
    }

    /// <inheritdoc/>
    public void Dispose() => _hash.Dispose();

    private void Append(string value)
    {
        AppendInt32(value.Length);
        var bytes = MemoryMarshal.AsBytes(value.AsSpan());
        if (bytes.Length > BufferSize / 2)
        {
            Flush();
            _hash.AppendData(bytes);
            return;
        }

        if (_used + bytes.Length > BufferSize)
        {
            Flush();
        }

        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    private void AppendInt32(int value)
    {
        if (_used + sizeof(int) > BufferSize)
        {
            Flush();
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used), value);
        _used += sizeof(int);
    }

    private void Flush()
    {
        if (_used > 0)
        {
            _hash.AppendData(_buffer, 0, _used);
            _used = 0;
        }
    }
}
