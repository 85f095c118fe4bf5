using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>What a finished <c>gym</c> process left behind.</summary>
/// <param name="Arguments">The command line, for messages.</param>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Stdout">Everything written to standard output.</param>
/// <param name="Stderr">Everything written to standard error.</param>
public sealed record GymResult(string Arguments, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines of <see cref="Stderr"/>.</summary>
    public IReadOnlyList<string> StderrLines => Lines(Stderr);

    /// <summary>The non-empty lines of <see cref="Stdout"/>.</summary>
    public IReadOnlyList<string> StdoutLines => Lines(Stdout);

    /// <summary>A "because" text for assertions: the command and everything it printed.</summary>
    public string Because => $"`gym {Arguments}` exited {ExitCode} and printed\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}\n---";

    /// <inheritdoc />
    public override string ToString() => Because;

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The real <c>gym</c> CLI as a child process: <c>dotnet gym.dll args…</c> from the test output
/// directory, with stdout and stderr captured asynchronously, <c>NO_COLOR=1</c>, and a hard timeout
/// after which the process is killed and the test fails with whatever it printed. Long-running
/// servers (<c>gym serve</c>, <c>gym serve-policy</c>) are waited for with <see cref="WaitForUrlAsync"/>
/// and stopped with <see cref="StopAsync"/>. Killed (with its process tree) on dispose.
/// </summary>
public sealed partial class GymProcess : IDisposable, IAsyncDisposable
{
    /// <summary>How long a command may run before it is killed and the test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private const int SigInt = 2;
    private const int SigTerm = 15;
    private const int SigKill = 9;

    private readonly Process _process;
    private readonly StringBuilder _stdoutText = new();
    private readonly StringBuilder _stderrText = new();
    private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly StringBuilder _stdoutLine = new();
    private TaskCompletionSource _outputChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GymProcess(Process process, string arguments)
    {
        _process = process;
        Arguments = arguments;
        _stdout = ReadAsync(process.StandardOutput, _stdoutText, watchForUrl: true);
        _stderr = ReadAsync(process.StandardError, _stderrText, watchForUrl: false);
    }

    /// <summary>The CLI assembly copied next to the tests by the project reference.</summary>
    public static string GymDll { get; } = Path.Combine(AppContext.BaseDirectory, "gym.dll");

    /// <summary>The command line, for messages.</summary>
    public string Arguments { get; }

    /// <summary>The child's process id (the app runs inside the <c>dotnet</c> host process itself).</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The <c>GYM_CACHE</c> every gym process of this test run uses; deleted when the test process exits.</summary>
    public static readonly Lazy<string> TestCache = ProcessTempFolder.Create("gym-cli-cache-");

    /// <summary>Starts <c>gym args…</c> in <paramref name="workingDirectory"/>.</summary>
    public static GymProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Starts <c>gym args…</c> in <paramref name="workingDirectory"/> with extra environment variables.</summary>
    public static GymProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        File.Exists(GymDll).Should().BeTrue($"the project reference copies gym.dll to {AppContext.BaseDirectory}");
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(GymDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        // The user's API key never reaches a test's gym (gym serve would otherwise require it).
        info.Environment.Remove("GYM_API_KEY");
        // Search indexes go to this test process's own cache, never the user's.
        info.Environment["GYM_CACHE"] = TestCache.Value;
        info.Environment["DOTNET_NOLOGO"] = "1";
        // One intra-op thread for TorchSharp (gym train, gym sft): the tests run several gym processes at once on
        // a machine that may be busy, and libtorch's OpenMP threads then wait for each other at every operation
        // (an SFT step of the tiny model took 6 s with two threads under load, 0.5 s with one).
        info.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        // The CLI never reads stdin; closing it makes sure nothing waits on it.
        process.StandardInput.Close();
        return new GymProcess(process, string.Join(' ', args));
    }

    /// <summary>Runs <c>gym args…</c> to its end (or the timeout) in <paramref name="workingDirectory"/>.</summary>
    public static async Task<GymResult> RunAsync(string workingDirectory, params string[] args)
    {
        using var gym = Start(workingDirectory, args);
        return await gym.WaitAsync();
    }

    /// <summary>Runs <c>gym args…</c> to its end with extra <paramref name="environment"/> variables (which win over the defaults).</summary>
    public static async Task<GymResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var gym = Start(workingDirectory, environment, args);
        return await gym.WaitAsync();
    }

    /// <summary>Waits for the exit; past <paramref name="timeout"/> kills the process and fails the test.</summary>
    public async Task<GymResult> WaitAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cancellation = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            var (stdout, stderr) = await KillAndDrainAsync();
            Assert.Fail($"`gym {Arguments}` did not exit within {limit.TotalSeconds:0} s and was killed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n---");
        }

        return new GymResult(Arguments, _process.ExitCode, await _stdout, await _stderr);
    }

    /// <summary>
    /// Waits for the <c>listening on URL</c> line a server prints on stdout and returns the URL; if the process
    /// exits first or prints none within <paramref name="timeout"/>, kills it and fails the test with its output.
    /// </summary>
    public async Task<Uri> WaitForUrlAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var started = await Task.WhenAny(_url.Task, _process.WaitForExitAsync(), Task.Delay(limit));
        if (started != _url.Task && !_url.Task.IsCompleted)
        {
            await FailAsync($"`gym {Arguments}` printed no 'listening on URL' line within {limit.TotalSeconds:0} s");
        }

        return await _url.Task;
    }

    /// <summary>
    /// Waits until what the process printed so far (stdout and stderr) satisfies <paramref name="condition"/>;
    /// if it exits first or <paramref name="timeout"/> passes, kills it and fails the test with its output.
    /// </summary>
    public async Task WaitForOutputAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var deadline = Task.Delay(limit);
        var exited = _process.WaitForExitAsync();
        while (true)
        {
            // Taken before reading the text, so that output arriving in between still wakes us.
            var changed = Volatile.Read(ref _outputChanged).Task;
            if (condition(Output()))
            {
                return;
            }

            var first = await Task.WhenAny(changed, exited, deadline);
            if (first == deadline || (first == exited && !condition(Output())))
            {
                await FailAsync($"`gym {Arguments}` {(first == exited ? "exited" : $"ran {limit.TotalSeconds:0} s")} without printing {what}");
            }
        }
    }

    /// <summary>Everything printed so far: stdout, then stderr.</summary>
    public string Output()
    {
        string stdout, stderr;
        lock (_stdoutText)
        {
            stdout = _stdoutText.ToString();
        }

        lock (_stderrText)
        {
            stderr = _stderrText.ToString();
        }

        return stdout + "\n" + stderr;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash or an out-of-memory kill would.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>Sends SIGTERM and waits for the exit; past <paramref name="timeout"/> (30 s) kills the process and fails the test.</summary>
    public Task<GymResult> StopAsync(TimeSpan? timeout = null)
    {
        Terminate();
        return WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends SIGTERM (a real signal, unlike <see cref="Process.Kill()"/>).</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends SIGINT, what Ctrl+C sends.</summary>
    public void Interrupt() => Signal(SigInt);

    /// <summary>Sends SIGKILL: the process ends at once, with no chance to flush anything.</summary>
    public void KillHard() => Signal(SigKill);

    /// <summary>Kills the process before it ends and fails the test with what it printed so far.</summary>
    public async Task FailAsync(string reason)
    {
        var (stdout, stderr) = await KillAndDrainAsync();
        Assert.Fail($"{reason}\n`gym {Arguments}`{(_process.HasExited ? $" exited {_process.ExitCode}" : "")}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n---");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(cancellation.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (OperationCanceledException)
        {
            // Killed but not yet reaped; disposing does not wait longer.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();

    // Reads a stream to its end as ReadToEndAsync would, keeping what came so far for failure messages and
    // (on stdout) picking up the first 'listening on URL' line while the process runs.
    private async Task<string> ReadAsync(StreamReader reader, StringBuilder into, bool watchForUrl)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
                if (watchForUrl && !_url.Task.IsCompleted)
                {
                    ScanForUrl(buffer.AsSpan(0, read));
                }
            }

            Interlocked.Exchange(ref _outputChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        lock (into)
        {
            return into.ToString();
        }
    }

    // Called under the stdout lock with each new chunk; whole lines are matched, a partial one waits for its end.
    private void ScanForUrl(ReadOnlySpan<char> chunk)
    {
        foreach (var c in chunk)
        {
            if (c != '\n')
            {
                _stdoutLine.Append(c);
                continue;
            }

            if (ListeningOn().Match(_stdoutLine.ToString()) is { Success: true } match)
            {
                _url.TrySetResult(new Uri(match.Groups[1].Value));
                return;
            }

            _stdoutLine.Clear();
        }
    }

    private static string Snapshot(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private async Task<(string Stdout, string Stderr)> KillAndDrainAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        // The pipes close when the process is gone; do not hang on them if something else holds them
        // (then the message shows what came so far).
        var drained = Task.WhenAll(_stdout, _stderr);
        if (await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(10))) == drained)
        {
            return (await _stdout, await _stderr);
        }

        return (Snapshot(_stdoutText), Snapshot(_stderrText));
    }

    // The dotnet host running these tests, so that the CLI runs on the same runtime.
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk) ? fromSdk : "dotnet";
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks for this one call.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA1401, IDE1006 // The libc name, kept private.
    private static extern int kill(int pid, int sig);
#pragma warning restore CA1401, IDE1006
#pragma warning restore SYSLIB1054
}

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates the directory.</summary>
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("gym-cli-tests-").FullName;

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a killed child may still hold a file for a moment.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
