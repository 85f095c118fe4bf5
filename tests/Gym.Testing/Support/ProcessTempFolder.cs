using System.Diagnostics;
using System.Globalization;

namespace Gym.Testing;

/// <summary>
/// A temp folder shared by one test process (index caches that many tests reuse), created on first
/// use and deleted when the process exits. The test host is often ended without ProcessExit running,
/// so each folder's name carries its process id and the next process sweeps the folders of processes
/// that are gone.
/// </summary>
public static class ProcessTempFolder
{
    /// <summary>Creates the folder lazily; its name starts with <paramref name="prefix"/>, then the process id.</summary>
    public static Lazy<string> Create(string prefix) => new(() =>
    {
        SweepOrphans(prefix);
        var path = Directory.CreateTempSubdirectory(string.Create(CultureInfo.InvariantCulture, $"{prefix}{Environment.ProcessId}-")).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(path);
        return path;
    });

    // Only folders named prefix + PID + "-" whose process no longer runs: another test process's live folder is kept.
    private static void SweepOrphans(string prefix)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
        {
            var rest = Path.GetFileName(folder)[prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid))
            {
                TryDelete(folder);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next test process sweeps it, and the OS cleans temp folders eventually.
        }
    }
}
