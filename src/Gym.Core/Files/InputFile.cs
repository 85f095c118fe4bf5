using System.Runtime.InteropServices;
using System.Text;

namespace Gym.Core.Files;

/// <summary>What a path names, as far as reading it as an input file goes.</summary>
public enum InputFileKind
{
    /// <summary>A regular file (or a link to one).</summary>
    Regular,

    /// <summary>Nothing exists at the path.</summary>
    Missing,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A named pipe: opening it blocks until a writer appears.</summary>
    Fifo,

    /// <summary>A character or block device (<c>/dev/zero</c>, a disk): endless or huge.</summary>
    Device,

    /// <summary>A socket or another kind of file that is not data at rest.</summary>
    Other,
}

/// <summary>A file a user named that cannot be read as input: the message says which file and why.</summary>
public sealed class InputFileException(string message) : IOException(message), IUserError;

/// <summary>
/// Reads files a user names (scenario files, their bases, data files) with the guards a mistaken or hostile
/// path needs: only regular files are opened (a FIFO would block the open, <c>/dev/zero</c> never ends),
/// text files are bounded in size, and reads stop when the caller cancels.
/// </summary>
public static class InputFile
{
    /// <summary>The default size limit of text input files (scenarios and their bases): 8 MiB.</summary>
    public const long DefaultMaxBytes = 8L * 1024 * 1024;

    private const int Chunk = 64 * 1024;

    /// <summary>What <paramref name="path"/> names, following links; read without opening it.</summary>
    public static InputFileKind KindOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return InputFileKind.Directory;
        }

        if (!File.Exists(path))
        {
            return InputFileKind.Missing;
        }

        return UnixKind(path) ?? InputFileKind.Regular;
    }

    /// <summary>Why <paramref name="path"/> cannot be opened as an input file, or null when it is a regular file.</summary>
    public static string? KindProblem(string path) => KindOf(path) switch
    {
        InputFileKind.Regular => null,
        InputFileKind.Missing => "file not found",
        InputFileKind.Directory => "it is a directory",
        InputFileKind.Fifo => "it is a named pipe (FIFO), not a regular file",
        InputFileKind.Device => "it is a device, not a regular file",
        _ => "it is not a regular file",
    };

    /// <summary>Throws <see cref="InputFileException"/> naming <paramref name="path"/> unless it is a regular file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="noun">What the file is, for the message: "dataset", "corpus".</param>
    public static void EnsureRegular(string path, string noun)
    {
        if (KindProblem(path) is { } problem)
        {
            throw new InputFileException($"{path}: cannot read the {noun}: {problem}");
        }
    }

    /// <summary>
    /// Reads a UTF-8 text file of at most <paramref name="maxBytes"/> bytes. The size is checked before reading and
    /// again while reading (a file may grow), and the read runs on a worker so that <paramref name="cancellation"/>
    /// ends the wait even where the open itself blocks.
    /// </summary>
    /// <exception cref="InputFileException">The path is not a regular file, is too large, or cannot be read; the message is the reason alone.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static string ReadText(string path, long maxBytes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        cancellation.ThrowIfCancellationRequested();
        if (KindProblem(path) is { } problem)
        {
            throw new InputFileException(problem);
        }

        var read = Task.Run(() => ReadBounded(path, maxBytes, cancellation), cancellation);
        try
        {
            return read.WaitAsync(cancellation).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException and not InputFileException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new InputFileException(ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message);
        }
    }

    /// <summary>"8 MiB", "512 KiB", "300 bytes": a size as a person reads it.</summary>
    public static string DescribeSize(long bytes) => bytes switch
    {
        _ when bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        _ when bytes >= 1024 && bytes % 1024 == 0 => $"{bytes / 1024} KiB",
        _ => $"{bytes} bytes",
    };

    private static string ReadBounded(string path, long maxBytes, CancellationToken cancellation)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw TooLarge(stream.Length, maxBytes);
        }

        using var bytes = new MemoryStream();
        var buffer = new byte[Chunk];
        int count;
        while ((count = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            if (bytes.Length + count > maxBytes)
            {
                throw TooLarge(null, maxBytes);
            }

            bytes.Write(buffer, 0, count);
        }

        // Invalid UTF-8 becomes U+FFFD, which the YAML reader then reports with its position.
        var data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        if (data.StartsWith(Encoding.UTF8.Preamble))
        {
            data = data[Encoding.UTF8.Preamble.Length..];
        }

        return Encoding.UTF8.GetString(data);
    }

    private static InputFileException TooLarge(long? size, long maxBytes) => new(size is { } known
        ? $"the file is {DescribeSize(known)}, more than the limit of {DescribeSize(maxBytes)}"
        : $"the file is larger than the limit of {DescribeSize(maxBytes)}");

    /// <summary>The file type from <c>statx</c> (Linux; the layout of <c>struct statx</c> is the same on every architecture); null elsewhere.</summary>
    private static InputFileKind? UnixKind(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        try
        {
            // AT_FDCWD, follow links, STATX_TYPE.
            if (statx(-100, path, 0, 0x1, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }

        // stx_mode is the u16 at offset 28.
        var mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        return mode switch
        {
            0x8000 => InputFileKind.Regular,
            0x4000 => InputFileKind.Directory,
            0x1000 => InputFileKind.Fifo,
            0x2000 or 0x6000 => InputFileKind.Device,
            _ => InputFileKind.Other,
        };
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks for this one call.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA1401, IDE1006, CA2101 // The libc name, kept private; the path is marshalled as UTF-8.
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string pathname, int flags, uint mask, byte[] statxbuf);
#pragma warning restore CA1401, IDE1006, CA2101
#pragma warning restore SYSLIB1054
}
