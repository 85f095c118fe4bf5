using System.Diagnostics;

namespace Gym.Environments.SearchQa.Index;

/// <summary>
/// The cache root's layout and the file locks that keep processes sharing it from stepping on
/// each other:
/// <list type="bullet">
/// <item><c>&lt;key&gt;/</c>: a complete index; it only ever appears by renaming a finished build folder.</item>
/// <item><c>.build-&lt;key&gt;-&lt;random&gt;/</c>: a build in progress, or the remains of a crashed one.</item>
/// <item><c>.trash-&lt;key&gt;-&lt;random&gt;/</c>: a rejected index, moved aside before it is deleted.</item>
/// <item><c>.locks/&lt;key&gt;.lock</c>: held (exclusively) by whoever builds that key. Lock files stay
/// on disk: deleting one while another process waits on it would let two builders hold "the" lock.</item>
/// </list>
/// The locks are <see cref="FileShare.None"/> opens, which .NET implements with <c>flock</c> on Unix
/// and share modes on Windows; both are released by the OS when a process dies, so a crashed
/// builder never blocks anyone and its build folder is recognisably stale.
/// </summary>
internal static class IndexCache
{
    public const string BuildPrefix = ".build-";
    public const string TrashPrefix = ".trash-";
    private const string LockFolder = ".locks";

    /// <summary>A fresh build folder name for <paramref name="key"/>.</summary>
    public static string NewBuildFolder(string root, string key) =>
        Path.Combine(root, BuildPrefix + key + "-" + RandomSuffix());

    /// <summary>
    /// Takes the build lock of <paramref name="key"/>, polling while another thread or process holds it.
    /// </summary>
    /// <exception cref="TimeoutException">The lock was held longer than <paramref name="timeout"/>.</exception>
    public static FileStream AcquireLock(string root, string key, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (TryAcquireLock(root, key) is { } held)
            {
                return held;
            }

            if (waited.Elapsed >= timeout)
            {
                throw new TimeoutException($"another process has been building search index {key} in {root} for longer than {timeout}");
            }

            Thread.Sleep(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
        }
    }

    /// <summary>Takes the build lock of <paramref name="key"/> if nobody holds it; null otherwise.</summary>
    public static FileStream? TryAcquireLock(string root, string key)
    {
        var folder = Path.Combine(root, LockFolder);
        Directory.CreateDirectory(folder);
        try
        {
            return new FileStream(Path.Combine(folder, key + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException)
        {
            // Held by someone else (a sharing violation); anything worse shows up again on the next use of the root.
            return null;
        }
    }

    /// <summary>
    /// Moves a rejected index folder out of the way (so nobody mistakes it for a good one while it is
    /// being deleted), then deletes it as far as the OS allows.
    /// </summary>
    public static void Discard(string root, string key, string folder)
    {
        var trash = Path.Combine(root, TrashPrefix + key + "-" + RandomSuffix());
        Directory.Move(folder, trash);
        TryDelete(trash);
    }

    /// <summary>
    /// Best-effort cleanup of what crashed or interrupted opens left behind: trash folders, and build
    /// folders whose key nobody is building (its lock is free).
    /// </summary>
    public static void CleanStale(string root)
    {
        foreach (var trash in SafeEnumerate(root, TrashPrefix + "*"))
        {
            TryDelete(trash);
        }

        foreach (var group in SafeEnumerate(root, BuildPrefix + "*").GroupBy(KeyOfBuildFolder))
        {
            if (group.Key is null)
            {
                continue;
            }

            using var held = TryAcquireLock(root, group.Key);
            if (held is null)
            {
                continue;
            }

            foreach (var build in group)
            {
                TryDelete(build);
            }
        }
    }

    /// <summary>Deletes a folder tree, ignoring failures (a file still mapped on Windows, a racing cleaner).</summary>
    public static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next cleanup.
        }
    }

    private static string? KeyOfBuildFolder(string path)
    {
        // .build-<64 hex>-<random>
        var name = Path.GetFileName(path);
        const int KeyLength = 64;
        return name.Length > BuildPrefix.Length + KeyLength && name[BuildPrefix.Length + KeyLength] == '-'
            ? name.Substring(BuildPrefix.Length, KeyLength)
            : null;
    }

    private static string[] SafeEnumerate(string root, string pattern)
    {
        try
        {
            return Directory.GetDirectories(root, pattern);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // Unique across processes (even two containers whose builders share a pid and a cache volume);
    // the name is never part of anything reproducible.
    private static string RandomSuffix() => Path.GetFileNameWithoutExtension(Path.GetRandomFileName());
}
