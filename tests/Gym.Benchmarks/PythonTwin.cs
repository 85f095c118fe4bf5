using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Gym.Benchmarks;

/// <summary>
/// Runs python/arithmetic_twin.py (the arithmetic environment, its expert and its JSON line in plain
/// CPython) as a child process and reads the steps and CPU seconds it reports for its own loop.
/// </summary>
internal sealed class PythonTwin
{
    private readonly string _python;
    private readonly string _script;

    private PythonTwin(string python, string script)
    {
        _python = python;
        _script = script;
    }

    /// <summary>The twin when python3 is on the PATH and the script was copied next to the program; null otherwise.</summary>
    public static PythonTwin? Find()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "python", "arithmetic_twin.py");
        var python = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "python3"))
            .FirstOrDefault(File.Exists);
        if (python is null || !File.Exists(script))
        {
            Progress.Line("step cost: python3 or python/arithmetic_twin.py not found; the Python comparison is skipped");
            return null;
        }

        return new PythonTwin(python, script);
    }

    /// <summary>Plays <paramref name="episodes"/> episodes in the twin and returns what it measured.</summary>
    public async Task<(long Steps, double CpuSeconds, double WallSeconds)> RunAsync(int episodes, long seed, double errorRate)
    {
        var start = new ProcessStartInfo(_python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { _script, "--episodes", episodes.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--error-rate", errorRate.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the Python twin failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        using var summary = JsonDocument.Parse(await stdout.ConfigureAwait(false));
        var root = summary.RootElement;
        return (root.GetProperty("steps").GetInt64(), root.GetProperty("cpu_seconds").GetDouble(), root.GetProperty("wall_seconds").GetDouble());
    }
}
