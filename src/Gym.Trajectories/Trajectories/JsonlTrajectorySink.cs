using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Gym.Core.Trajectories;

/// <summary>A rollout file cannot be created or written. The message names the file.</summary>
public sealed class TrajectorySinkException : IOException, IUserError
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TrajectorySinkException()
        : this("cannot write rollouts")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrajectorySinkException(string message)
        : base(message)
    {
        Path = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TrajectorySinkException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception for <paramref name="path"/>: <c>cannot write rollouts to 'path': reason</c>.</summary>
    /// <param name="path">The rollout file.</param>
    /// <param name="reason">What went wrong, in a few words.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public TrajectorySinkException(string path, string reason, Exception? innerException)
        : base($"cannot write rollouts to '{path}': {reason}", innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The rollout file (full path), or empty when not known.</summary>
    public string Path { get; }

    /// <summary>What went wrong, without the path.</summary>
    public string Reason { get; }
}

/// <summary>A line of a rollout file is not a valid episode. The message starts with <c>path:line:</c>.</summary>
public sealed class TrajectoryFormatException : FormatException, IUserError
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TrajectoryFormatException()
        : this("malformed rollout line")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrajectoryFormatException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TrajectoryFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    /// <summary>Creates the exception for line <paramref name="line"/> of <paramref name="path"/>.</summary>
    /// <param name="path">The rollout file.</param>
    /// <param name="line">The one-based line number.</param>
    /// <param name="reason">What is wrong with the line.</param>
    /// <param name="innerException">The parser's error, if any.</param>
    public TrajectoryFormatException(string path, long line, string reason, Exception? innerException)
        : base($"{path}:{line}: {reason}", innerException)
    {
        Path = path;
        Line = line;
    }

    /// <summary>The rollout file, or empty when not known.</summary>
    public string Path { get; }

    /// <summary>The one-based line number, or 0 when not known.</summary>
    public long Line { get; }
}

/// <summary>
/// Writes episodes to a JSON Lines rollout file, one compact <see cref="TrajectoryJson"/> object per
/// line, in ascending episode order whatever order the episodes finish in, so that one seed gives a
/// byte-identical file under any scheduling.
/// </summary>
/// <remarks>
/// <para>
/// Writers hand records to a bounded channel (backpressure); one background task owns the file,
/// restores the order with a reorder buffer and writes whole lines only. The file is written in
/// place rather than through a temporary file so that a killed run keeps its finished episodes; each
/// batch goes to the OS in one write of whole lines, so a kill between batches leaves no partial line.
/// </para>
/// <para>
/// The reorder buffer holds the episodes that finished ahead of a slower earlier one; it is bounded by
/// the caller's concurrency, not by this sink. The file only ever holds a contiguous run of episodes
/// from the first one: when an episode never arrives (a cancelled run), <see cref="CompleteAsync"/>
/// drops the buffered episodes after it (<see cref="Dropped"/>) instead of leaving a hole, so an
/// interrupted file is a prefix of the uninterrupted one and <see cref="Continue"/> can append the rest.
/// </para>
/// </remarks>
public sealed class JsonlTrajectorySink : ITrajectorySink
{
    /// <summary>The default channel capacity, in episodes.</summary>
    public const int DefaultCapacity = 1024;

    // Big enough to amortize syscalls, small enough that a kill loses little that had finished.
    private const int MaxBatchBytes = 1 << 20;

    private readonly Channel<Line> _channel;
    private readonly FileStream _stream;
    private readonly long _firstEpisode;
    private readonly Task _drain;

    // Owned by the drain task alone.
    private readonly Dictionary<long, byte[]> _pending = [];
    private readonly ArrayBufferWriter<byte> _batch = new();
    private long _batchLines;
    private long _next;

    private long _written;
    private long _dropped;
    private TrajectorySinkException? _fault;

    private JsonlTrajectorySink(string path, FileStream stream, long firstEpisode, int capacity)
    {
        Path = path;
        _stream = stream;
        _firstEpisode = firstEpisode;
        _next = firstEpisode;
        _channel = Channel.CreateBounded<Line>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _drain = Task.Run(DrainAsync);
    }

    /// <summary>The rollout file (full path).</summary>
    public string Path { get; }

    /// <summary>Episodes written to the file so far (handed to the OS, not merely accepted).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>
    /// Episodes accepted but left out of the file because an earlier episode never arrived (known once
    /// <see cref="CompleteAsync"/> has returned); writing them would have left a hole.
    /// </summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The index of the first episode of this sink's lines (0, or where a continued file resumes).</summary>
    public long FirstEpisode => _firstEpisode;

    /// <summary>
    /// Creates (or truncates) the rollout file at <paramref name="path"/> and starts the writer.
    /// Fails here, before any episode is played, when the file cannot be created.
    /// </summary>
    /// <param name="path">The file to write; its directory must exist.</param>
    /// <param name="firstEpisode">The index of the first episode of the run; lines start there.</param>
    /// <param name="capacity">How many episodes may wait for the writer before <see cref="WriteAsync"/> waits.</param>
    /// <exception cref="TrajectorySinkException">The directory does not exist or the file cannot be created.</exception>
    public static JsonlTrajectorySink Create(string path, long firstEpisode = 0, int capacity = DefaultCapacity) =>
        Open(path, firstEpisode, capacity, keepBytes: null);

    /// <summary>
    /// Continues an interrupted rollout file: keeps its first <paramref name="keepBytes"/> bytes (its
    /// whole lines; a torn last line beyond them is cut off) and appends from episode
    /// <paramref name="firstEpisode"/>, the number of lines kept.
    /// </summary>
    /// <param name="path">The existing rollout file.</param>
    /// <param name="firstEpisode">The index of the next episode: how many whole lines the file holds.</param>
    /// <param name="keepBytes">The length of those whole lines, in bytes (see <see cref="RolloutFileTail.WholeBytes"/>).</param>
    /// <param name="capacity">How many episodes may wait for the writer before <see cref="WriteAsync"/> waits.</param>
    /// <exception cref="TrajectorySinkException">The file does not exist, is shorter than <paramref name="keepBytes"/>, or cannot be opened.</exception>
    public static JsonlTrajectorySink Continue(string path, long firstEpisode, long keepBytes, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepBytes);
        return Open(path, firstEpisode, capacity, keepBytes);
    }

    private static JsonlTrajectorySink Open(string path, long firstEpisode, int capacity, long? keepBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(firstEpisode);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var fullPath = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(fullPath);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new TrajectorySinkException(fullPath, "directory does not exist", null);
        }

        if (Directory.Exists(fullPath))
        {
            throw new TrajectorySinkException(fullPath, "it is a directory", null);
        }

        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, new FileStreamOptions
            {
                Mode = keepBytes is null ? FileMode.Create : FileMode.Open,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                // Unbuffered: our own batches of whole lines are the only buffering, so the OS never
                // sees half a line (a FileStream buffer would spill lines across flushes).
                BufferSize = 0,
            });
        }
        catch (FileNotFoundException ex)
        {
            throw new TrajectorySinkException(fullPath, "no such file to continue", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new TrajectorySinkException(fullPath, "directory does not exist", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new TrajectorySinkException(fullPath, "permission denied", ex);
        }
        catch (IOException ex)
        {
            throw new TrajectorySinkException(fullPath, ex.Message, ex);
        }

        if (keepBytes is { } keep)
        {
            try
            {
                if (stream.Length < keep)
                {
                    throw new TrajectorySinkException(fullPath, $"it is {stream.Length} bytes long, shorter than the {keep} bytes to keep (was it changed meanwhile?)", null);
                }

                // Cuts a torn last line off, so the first appended line starts on a line of its own.
                stream.SetLength(keep);
                stream.Seek(keep, SeekOrigin.Begin);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }

        return new JsonlTrajectorySink(fullPath, stream, firstEpisode, capacity);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The episode index is below the first episode.</exception>
    /// <exception cref="TrajectorySinkException">An earlier write failed.</exception>
    /// <exception cref="InvalidOperationException">The sink was already completed.</exception>
    public async ValueTask WriteAsync(EpisodeRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ThrowIfFaulted();
        if (record.Episode < _firstEpisode)
        {
            throw new ArgumentOutOfRangeException(nameof(record), record.Episode, $"episode {record.Episode} comes before the first episode {_firstEpisode} of '{Path}'");
        }

        // Serialized on the caller's thread: writers serialize in parallel, the drain task only copies
        // bytes, and a record that cannot be serialized fails its own writer instead of the sink.
        var line = Encode(record);
        try
        {
            await _channel.Writer.WriteAsync(new Line(record.Episode, line), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ThrowIfFaulted();
            throw new InvalidOperationException($"the rollout sink for '{Path}' is already complete; episode {record.Episode} came too late");
        }
    }

    /// <inheritdoc/>
    /// <exception cref="TrajectorySinkException">A write failed.</exception>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        _channel.Writer.TryComplete();
        return WaitForDrainAsync(cancellationToken);
    }

    /// <summary>
    /// Completes the sink and closes the file. Never throws, because it runs while another exception
    /// may be in flight: call <see cref="CompleteAsync"/> on the normal path to learn of write errors.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _drain.ConfigureAwait(false);
    }

    private static byte[] Encode(EpisodeRecord record) => TrajectoryJson.SerializeToUtf8Line(record);

    private async ValueTask WaitForDrainAsync(CancellationToken cancellationToken)
    {
        await _drain.WaitAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfFaulted();
    }

    private void ThrowIfFaulted()
    {
        var fault = Volatile.Read(ref _fault);
        if (fault is not null)
        {
            // A fresh exception per throw: rethrowing one instance from several callers would mix their stack traces.
            throw new TrajectorySinkException(fault.Path, fault.Reason, fault.InnerException ?? fault);
        }
    }

    // Never throws: every failure becomes the sink's fault, which the next WriteAsync or CompleteAsync reports.
    private async Task DrainAsync()
    {
        try
        {
            var reader = _channel.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var line))
                {
                    Accept(line);
                    if (_batch.WrittenCount >= MaxBatchBytes)
                    {
                        await WriteBatchAsync().ConfigureAwait(false);
                    }
                }

                // The channel ran dry: hand what is ready to the OS now so that a kill keeps it.
                await WriteBatchAsync().ConfigureAwait(false);
            }

            // An earlier episode never came (a cancelled run): writing the later ones would leave a
            // hole, and a file with a hole can neither be continued nor compared with a full run.
            Interlocked.Exchange(ref _dropped, _pending.Count);
            _pending.Clear();
            await WriteBatchAsync().ConfigureAwait(false);
            _stream.Flush(flushToDisk: true);
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
        finally
        {
            try
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Fault(ex);
            }
        }
    }

    private void Accept(Line line)
    {
        if (line.Episode < _next || _pending.ContainsKey(line.Episode))
        {
            throw new TrajectorySinkException(Path, $"episode {line.Episode} was written twice", null);
        }

        if (line.Episode != _next)
        {
            _pending.Add(line.Episode, line.Bytes);
            return;
        }

        Append(line.Bytes);
        _next++;
        while (_pending.Remove(_next, out var bytes))
        {
            Append(bytes);
            _next++;
        }
    }

    private void Append(byte[] bytes)
    {
        _batch.Write(bytes);
        _batchLines++;
    }

    private async ValueTask WriteBatchAsync()
    {
        if (_batchLines == 0)
        {
            return;
        }

        // One write of whole lines: with no FileStream buffer this is one syscall, so the file only
        // ever grows by complete lines.
        await _stream.WriteAsync(_batch.WrittenMemory).ConfigureAwait(false);
        Interlocked.Add(ref _written, _batchLines);
        _batch.ResetWrittenCount();
        _batchLines = 0;
    }

    private void Fault(Exception ex)
    {
        var fault = ex as TrajectorySinkException ?? new TrajectorySinkException(Path, ex.Message, ex);
        Interlocked.CompareExchange(ref _fault, fault, null);
        // Wakes writers waiting for room; they then report the fault instead of waiting forever.
        _channel.Writer.TryComplete(fault);
    }

    private readonly record struct Line(long Episode, byte[] Bytes);
}

/// <summary>
/// Keeps episodes in memory, for tests and for callers that consume rollouts directly. Thread-safe.
/// </summary>
public sealed class InMemoryTrajectorySink : ITrajectorySink
{
    private readonly Lock _gate = new();
    private readonly List<EpisodeRecord> _records = [];
    private readonly HashSet<long> _episodes = [];
    private bool _completed;

    /// <summary>How many episodes were written.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Whether <see cref="CompleteAsync"/> or <see cref="DisposeAsync"/> was called.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>A copy of the episodes written so far, in ascending episode order (not arrival order, which varies run to run).</summary>
    public IReadOnlyList<EpisodeRecord> Snapshot()
    {
        lock (_gate)
        {
            return [.. _records.OrderBy(r => r.Episode)];
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The episode was already written.</exception>
    /// <exception cref="InvalidOperationException">The sink was already completed.</exception>
    public ValueTask WriteAsync(EpisodeRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException($"the in-memory sink is already complete; episode {record.Episode} came too late");
            }

            if (!_episodes.Add(record.Episode))
            {
                throw new ArgumentException($"episode {record.Episode} was written twice", nameof(record));
            }

            _records.Add(record);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _completed = true;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CompleteAsync(CancellationToken.None);
}

/// <summary>Reads rollout files written by <see cref="JsonlTrajectorySink"/>.</summary>
public static class JsonlTrajectoryReader
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads the episodes of a rollout file lazily, line by line. Blank lines are skipped. The file
    /// may still be being written: it is opened with read-write sharing.
    /// </summary>
    /// <param name="path">The rollout file.</param>
    /// <exception cref="TrajectoryFormatException">A line is not a valid episode (thrown while enumerating).</exception>
    public static IEnumerable<EpisodeRecord> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return ReadLines(path);
    }

    private static IEnumerable<EpisodeRecord> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var endsWithNewline = EndsWithNewline(stream);
        using var reader = new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: true);
        long lineNumber = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException ex)
            {
                throw new TrajectoryFormatException(path, lineNumber + 1, "invalid UTF-8", ex);
            }

            if (line is null)
            {
                yield break;
            }

            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return Parse(path, lineNumber, line, isCutShort: !endsWithNewline && reader.Peek() < 0);
        }
    }

    private static bool EndsWithNewline(FileStream stream)
    {
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Seek(-1, SeekOrigin.End);
        var last = stream.ReadByte();
        stream.Seek(0, SeekOrigin.Begin);
        return last == '\n';
    }

    private static EpisodeRecord Parse(string path, long lineNumber, string line, bool isCutShort)
    {
        EpisodeRecord record;
        try
        {
            record = TrajectoryJson.Deserialize(line);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException or NotSupportedException)
        {
            var reason = isCutShort
                ? $"the last line is cut short (no final newline; was the writer killed mid-write?): {ex.Message}"
                : ex.Message;
            throw new TrajectoryFormatException(path, lineNumber, reason, ex);
        }

        var missing = MissingField(record);
        return missing is null
            ? record
            : throw new TrajectoryFormatException(path, lineNumber, $"missing field '{missing}'", null);
    }

    // System.Text.Json fills absent constructor parameters with null; catch that here rather than
    // as a NullReferenceException far from the file.
    private static string? MissingField(EpisodeRecord record)
    {
        if (record.EnvironmentId is null)
        {
            return "environment_id";
        }

        if (record.PolicyId is null)
        {
            return "policy_id";
        }

        if (record.Prompt is null)
        {
            return "prompt";
        }

        if (record.ResetInfo is null)
        {
            return "reset_info";
        }

        if (record.Turns is null)
        {
            return "turns";
        }

        foreach (var turn in record.Turns)
        {
            if (turn is null)
            {
                return "turns[]";
            }

            if (turn.Action is null || turn.Observation is null || turn.ToolCalls is null || turn.Breakdown is null || turn.Info is null)
            {
                return $"turns[{turn.Turn}]: action, observation, tool_calls, breakdown or info";
            }
        }

        return null;
    }
}
