using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym serve</c> as a real process: it prints its URL, serves sessions, stops on SIGTERM, and rejects bad options.</summary>
public sealed partial class ServeCommandTests
{
    public static TheoryData<string, string[]> BadOptions => new()
    {
        { "--port must be between 0 and 65535", ["serve", "--scenario", "tool-use/arithmetic-v0", "--port", "70000"] },
        { "--max-sessions must be at least 1", ["serve", "--scenario", "tool-use/arithmetic-v0", "--max-sessions", "0"] },
        { "--idle-timeout must be a number of seconds >= 0", ["serve", "--scenario", "tool-use/arithmetic-v0", "--idle-timeout", "-1"] },
        { "--step-timeout must be a number of seconds > 0", ["serve", "--scenario", "tool-use/arithmetic-v0", "--step-timeout", "0"] },
        { "--host must be an IP address", ["serve", "--scenario", "tool-use/arithmetic-v0", "--host", "example.com"] },
        { "--max-body-bytes must be at least 1024", ["serve", "--scenario", "tool-use/arithmetic-v0", "--max-body-bytes", "10"] },
        { "unknown environment 'tool-use/arithmetc-v0'", ["serve", "--scenario", "tool-use/arithmetc-v0"] },
        { "--scenario", ["serve"] },
        { "--bogus", ["serve", "--scenario", "tool-use/arithmetic-v0", "--bogus"] },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Bad_options_fail_with_one_error_line_and_exit_2(string expected, string[] args)
    {
        using var dir = new TempDirectory();
        var result = await GymProcess.RunAsync(dir.Path, args);
        CliAssertions.AssertUsageError(result, expected);
    }

    [Fact]
    public async Task A_taken_port_fails_with_one_error_line_and_exit_2()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        var result = await GymProcess.RunAsync(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        CliAssertions.AssertUsageError(result, $"cannot listen on 127.0.0.1:{port}");
    }

    [Fact]
    public async Task Help_explains_every_option()
    {
        using var dir = new TempDirectory();
        var result = await GymProcess.RunAsync(dir.Path, "serve", "--help");
        result.ExitCode.Should().Be(0, result.Because);
        foreach (var option in new[] { "--scenario", "--host", "--port", "--max-sessions", "--idle-timeout", "--step-timeout", "--api-key", "GYM_API_KEY", "--max-body-bytes", "--seed" })
        {
            result.Stdout.Should().Contain(option, result.Because);
        }
    }

    [Fact]
    public async Task It_serves_an_id_and_a_scenario_file_over_http_and_stops_cleanly_on_sigterm()
    {
        await using var serve = await ServeProcess.StartAsync("--scenario", "tool-use/arithmetic-v0", Path.Combine(RepositoryRoot(), "scenarios", "tool-use", "easy.yaml"), "--port", "0");
        using var http = new HttpClient { BaseAddress = serve.Url, Timeout = TimeSpan.FromSeconds(30) };

        var scenarios = JsonNode.Parse(await http.GetStringAsync(new Uri("/scenarios", UriKind.Relative)))!;
        scenarios["scenarios"]!.AsArray().Select(s => (string)s!["id"]!).Should().Equal("tool-use/arithmetic-v0", "tool-use/easy");

        using var created = await http.PostAsync(new Uri("/sessions", UriKind.Relative), new StringContent("{\"env_id\": \"tool-use/easy\"}", Encoding.UTF8, "application/json"));
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["session_id"]!;
        using var reset = await http.PostAsync(new Uri($"/sessions/{id}/reset", UriKind.Relative), new StringContent("{\"seed\": 1}"));
        reset.StatusCode.Should().Be(HttpStatusCode.OK);
        using var step = await http.PostAsync(new Uri($"/sessions/{id}/step", UriKind.Relative), new StringContent("{\"action\": \"<answer>3</answer>\"}"));
        var answer = JsonNode.Parse(await step.Content.ReadAsStringAsync())!;
        ((bool)answer["terminated"]!).Should().BeTrue(answer.ToJsonString());

        var result = await serve.StopAsync();
        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("stopping: closing 1 open sessions").And.Contain("stopped");
        CliAssertions.AssertNoStackTrace(result);
    }

    [Fact]
    public async Task The_python_client_in_the_docs_runs_against_gym_serve()
    {
        var python = FindPython();
        if (python is null)
        {
            // No python3 on this machine: nothing to run the documented client with.
            return;
        }

        var doc = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "server.md"));
        var match = PythonClient().Match(doc);
        match.Success.Should().BeTrue("docs/server.md holds the client between python-client markers");
        using var dir = new TempDirectory();
        var script = dir.File("gym_client.py");
        await File.WriteAllTextAsync(script, match.Groups[1].Value);

        await using var serve = await ServeProcess.StartAsync("--scenario", "tool-use/arithmetic-v0", "--port", "0", "--api-key", "docs-key");
        var info = new ProcessStartInfo(python, [script, serve.Url.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["GYM_API_KEY"] = "docs-key";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"the python client did not finish in 60 s\n{await stdout}\n{await stderr}");
            }
        }

        var because = $"python3 gym_client.py printed\n--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}";
        process.ExitCode.Should().Be(0, because);
        (await stdout).Should().Contain("websocket").And.Contain("an unknown environment is refused: 400 unknown_environment").And.EndWith("ok\n", because);
        (await serve.StopAsync()).ExitCode.Should().Be(0);
    }

    [GeneratedRegex(@"<!-- python-client:begin -->\s*```python\n(.*?)```\s*<!-- python-client:end -->", RegexOptions.Singleline)]
    private static partial Regex PythonClient();

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();

    private static string? FindPython() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "python3"))
            .FirstOrDefault(File.Exists);

    // Tests run from bin/…; the repository root is the first folder above that holds Gym.sln.
    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gym.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("Gym.sln not found above the test directory");
    }

    /// <summary>
    /// A running <c>gym serve</c>, read line by line so that the printed URL can be picked up while
    /// it runs (<see cref="GymProcess"/> reads output only at the end). Killed on dispose.
    /// </summary>
    private sealed class ServeProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ServeProcess(Process process) => _process = process;

        public Uri Url { get; private set; } = null!;

        public static async Task<ServeProcess> StartAsync(params string[] args)
        {
            var info = new ProcessStartInfo(Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(GymProcess.GymDll);
            info.ArgumentList.Add("serve");
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["NO_COLOR"] = "1";
            info.Environment.Remove("GYM_API_KEY");
            var serve = new ServeProcess(Process.Start(info)!);
            serve._process.StandardInput.Close();
            serve._process.OutputDataReceived += (_, e) => serve.OnLine(e.Data, serve._stdout);
            serve._process.ErrorDataReceived += (_, e) => serve.OnLine(e.Data, serve._stderr);
            serve._process.BeginOutputReadLine();
            serve._process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                serve.Url = await serve._url.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await serve.DisposeAsync();
                Assert.Fail($"gym serve printed no URL within 60 s\n--- stdout ---\n{serve._stdout}\n--- stderr ---\n{serve._stderr}");
            }

            return serve;
        }

        /// <summary>Sends SIGTERM and waits for the exit.</summary>
        public async Task<GymResult> StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"gym serve did not stop within 30 s of SIGTERM\n--- stdout ---\n{_stdout}\n--- stderr ---\n{_stderr}");
            }

            _process.WaitForExit(); // drains the asynchronous output readers
            lock (_stdout)
            {
                return new GymResult("serve", _process.ExitCode, _stdout.ToString(), _stderr.ToString());
            }
        }

        public ValueTask DisposeAsync()
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
            return ValueTask.CompletedTask;
        }

        private void OnLine(string? line, StringBuilder into)
        {
            if (line is null)
            {
                return;
            }

            lock (_stdout)
            {
                into.Append(line).Append('\n');
            }

            if (ListeningOn().Match(line) is { Success: true } match)
            {
                _url.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }
    }
}
