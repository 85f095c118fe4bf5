using System.Text;

namespace Gym.Core.Trajectories;

/// <summary>
/// What an interrupted JSONL file holds, found without parsing every line: how many whole lines,
/// how many bytes they take, how many bytes of a torn last line follow them, and the first and last
/// whole lines themselves (for a caller to check they belong to the run it continues).
/// </summary>
/// <param name="Lines">Whole lines: each ends with a newline.</param>
/// <param name="WholeBytes">The length of those lines, in bytes: where a continued file resumes.</param>
/// <param name="TornBytes">Bytes after the last newline: a line cut short by a kill, to be cut off.</param>
/// <param name="FirstLine">The first whole line without its newline, or null when there is none.</param>
/// <param name="LastLine">The last whole line without its newline, or null when there is none.</param>
public sealed record RolloutFileTail(long Lines, long WholeBytes, long TornBytes, string? FirstLine, string? LastLine)
{
    private const int ChunkBytes = 1 << 20;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads <paramref name="path"/> once, in chunks, counting newlines.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="TrajectoryFormatException">The first or last whole line is not UTF-8.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static RolloutFileTail Inspect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[ChunkBytes];
        long lines = 0;
        long position = 0;
        long lastLineStart = 0;
        long wholeBytes = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            var offset = 0;
            int newline;
            while ((newline = span[offset..].IndexOf((byte)'\n')) >= 0)
            {
                lines++;
                lastLineStart = wholeBytes;
                wholeBytes = position + offset + newline + 1;
                offset += newline + 1;
            }

            position += read;
        }

        return new RolloutFileTail(
            lines,
            wholeBytes,
            position - wholeBytes,
            lines == 0 ? null : ReadLine(stream, path, 0, 1),
            lines == 0 ? null : ReadLine(stream, path, lastLineStart, lines));
    }

    private static string ReadLine(FileStream stream, string path, long start, long lineNumber)
    {
        stream.Seek(start, SeekOrigin.Begin);
        var bytes = new List<byte>();
        int b;
        while ((b = stream.ReadByte()) >= 0 && b != '\n')
        {
            bytes.Add((byte)b);
        }

        try
        {
            return Utf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException ex)
        {
            throw new TrajectoryFormatException(path, lineNumber, "invalid UTF-8", ex);
        }
    }
}
