using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// The Python package (clients/python, importable as <c>gym_client</c>) with the machine's python3:
/// its unit tests, a scenario played through its Gymnasium-style env, vector wrapper and asyncio
/// sessions against a real <c>gym serve</c>, and its memory-mode contexts against those <c>gym run</c>
/// records; and <c>pip install</c> of the package, offline, whose installed copy plays against
/// <c>gym serve</c>. A machine without python3 fails these tests with a message saying so.
/// </summary>
public sealed class PythonClientTests
{
    private static readonly TimeSpan PythonTimeout = TimeSpan.FromSeconds(120);

    private static string ClientFolder => Path.Combine(RepositoryFolders.Root, "clients", "python");

    [Fact]
    public async Task The_python_unit_tests_pass()
    {
        var result = await RunPythonAsync(ClientFolder, ["-m", "unittest", "discover", "-s", "tests", "-t", "."]);
        result.ExitCode.Should().Be(0, result.Because);
        result.Stderr.Should().MatchRegex(@"Ran \d+ tests", result.Because).And.Contain("OK", result.Because);
    }

    [Fact]
    public async Task The_gymnasium_env_and_the_vector_wrapper_play_a_scenario_against_gym_serve()
    {
        using var dir = new TempDirectory();
        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", "--port", "0", "--api-key", "py-key");
        var url = await serve.WaitForUrlAsync();

        var result = await RunPythonAsync(dir.Path, [Path.Combine(ClientFolder, "examples", "play.py"), url.ToString()], ("GYM_API_KEY", "py-key"));

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("websocket gymnasium env: [(11, 1.1, 2, True, ").And.Contain("vector    4 sessions: [(11, 1.1, 2, True, ")
            .And.Contain("asyncio   4 sessions:").And.Contain("an unknown environment is refused: 400 unknown_environment")
            .And.Contain("a step before reset is refused: not_reset").And.EndWith("ok\n", result.Because);
        var stopped = await serve.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.Because);
        CliAssertions.AssertNoStackTrace(stopped);
    }

    [Fact]
    public async Task Pip_installs_the_package_offline_and_the_installed_copy_plays_a_scenario_against_gym_serve()
    {
        using var dir = new TempDirectory();
        // pip builds in the source folder (build/, *.egg-info): a copy keeps the repository clean and
        // leaves the folder the other tests import from untouched while they run.
        var source = dir.File("gym-client-src");
        CopyPackageSources(source);
        var site = dir.File("site-packages");

        // No index, no build isolation: nothing is downloaded; setuptools and wheel come from the machine.
        var install = await RunPythonAsync(dir.Path, ["-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-cache-dir", "--disable-pip-version-check", "--target", site, source], pythonPath: null);
        install.ExitCode.Should().Be(0, "pip install needs pip, setuptools 61+ and wheel for python3 (Debian: apt-get install python3-pip python3-wheel). " + install.Because);
        Directory.GetDirectories(site, "gym_client-*.dist-info").Should().ContainSingle(install.Because);

        var imported = await RunPythonAsync(dir.Path, ["-c", "import gym_client; print(gym_client.__file__)"], pythonPath: site);
        imported.ExitCode.Should().Be(0, imported.Because);
        imported.Stdout.Trim().Should().StartWith(Path.Combine(site, "gym_client") + Path.DirectorySeparatorChar, "the installed copy is the one imported");

        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", "--port", "0", "--api-key", "pip-key");
        var url = await serve.WaitForUrlAsync();
        var play = await RunPythonAsync(dir.Path, [Path.Combine(ClientFolder, "examples", "play.py"), url.ToString()], pythonPath: site, ("GYM_API_KEY", "pip-key"));

        play.ExitCode.Should().Be(0, play.Because);
        play.Stdout.Should().Contain("websocket gymnasium env: [(11, 1.1, 2, True, ").And.Contain("vector    4 sessions: [(11, 1.1, 2, True, ")
            .And.EndWith("ok\n", play.Because);
        var stopped = await serve.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.Because);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("mem1")]
    [InlineData("window:2")]
    [InlineData("strip-think")]
    public async Task The_python_context_is_the_one_gym_run_records(string memory)
    {
        using var dir = new TempDirectory();
        var scenario = Path.Combine(RepositoryFolders.Root, "scenarios", "memory", "mem1-arith-4-mem1.yaml");
        var run = await GymProcess.RunAsync(dir.Path, "run", scenario, "--episodes", "3", "--memory", memory, "--out", "rollouts.jsonl", "--no-progress");
        run.ExitCode.Should().Be(0, run.Because);

        var result = await RunPythonAsync(ClientFolder, ["-m", "tests.rollout_contexts", memory, dir.File("rollouts.jsonl")]);

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().MatchRegex(@"rollouts\.jsonl: ([3-9]|\d\d+) turns match", result.Because);
    }

    [Fact]
    public async Task Structured_tool_messages_play_as_the_text_actions_through_every_python_client_against_gym_serve()
    {
        using var dir = new TempDirectory();
        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", "--port", "0");
        var url = await serve.WaitForUrlAsync();

        var result = await RunPythonAsync(ClientFolder, ["-m", "tests.structured_play", "play", url.ToString()]);

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("structured play: 21 text/structured pairs match, 3 errors raised as GymError", result.Because);
        var stopped = await serve.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.Because);
        CliAssertions.AssertNoStackTrace(stopped);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("mem1")]
    [InlineData("window:2")]
    [InlineData("strip-think")]
    public async Task The_python_structured_context_is_the_one_gym_runs_openai_policy_sends(string memory)
    {
        using var dir = new TempDirectory();
        await using var chat = await FakeChatServer.StartAsync(StructuredReply);
        var run = await GymProcess.RunAsync(dir.Path, "run", "tool-use/arithmetic-v0", "--episodes", "3", "--seed", "9", "--memory", memory, "--no-progress",
            "--policy", "openai:m", "--policy-url", chat.BaseUrl.AbsoluteUri, "--policy-option", "messages=structured", "--out", "rollouts.jsonl");
        run.ExitCode.Should().Be(0, run.Because);
        File.WriteAllText(dir.File("requests.json"), System.Text.Json.JsonSerializer.Serialize(
            chat.Received.Where(r => r.Body.ValueKind == System.Text.Json.JsonValueKind.Object).Select(r => r.Body)));
        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", "--port", "0");
        var url = await serve.WaitForUrlAsync();

        var result = await RunPythonAsync(ClientFolder, ["-m", "tests.structured_play", "context", url.ToString(), memory, dir.File("rollouts.jsonl"), dir.File("requests.json")]);

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("rollouts.jsonl: 9 structured contexts match gym run's requests", result.Because);
        var stopped = await serve.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.Because);
    }

    // Turn 0 calls the calculator in text (with reasoning), turn 1 in a reply's tool_calls, turn 2 answers.
    private static ChatReply StructuredReply(ChatRequest request)
    {
        if (!request.IsChat)
        {
            return ChatReply.Ok("");
        }

        var messages = request.Body.GetProperty("messages");

        // The turn from the id of the last tool result (call_TURN_INDEX): mem1 and window contexts do not show every assistant message.
        var last = messages.EnumerateArray().Last();
        var turn = last.TryGetProperty("tool_call_id", out var id) ? int.Parse(id.GetString()!.Split('_')[1], System.Globalization.CultureInfo.InvariantCulture) + 1 : 0;
        return turn switch
        {
            0 => ChatReply.Ok("<think>add first</think>\n<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1 + 2\"}}</tool_call>"),
            1 => new ChatReply(Body: """
                {"id": "c", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant",
                 "content": "<think>then multiply</think>", "tool_calls": [{"id": "chatcmpl-tool-1", "type": "function", "function": {"name": "calculator", "arguments": "{\"expression\": \"3 * 4\"}"}}]}}]}
                """),
            _ => ChatReply.Ok("<answer>12</answer>"),
        };
    }

    private static Task<GymResult> RunPythonAsync(string workingDirectory, string[] args, params (string Name, string Value)[] environment) =>
        RunPythonAsync(workingDirectory, args, ClientFolder, environment);

    // pythonPath: the package's source folder, an install target, or null for none.
    private static async Task<GymResult> RunPythonAsync(string workingDirectory, string[] args, string? pythonPath, params (string Name, string Value)[] environment)
    {
        var python = FindPython() ?? throw new Xunit.Sdk.XunitException(
            "python3 was not found (looked for /usr/bin/python3 and python3 on PATH): the Python client tests need it. Install python3 (3.9 or newer).");
        var info = new ProcessStartInfo(python)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (pythonPath is null)
        {
            info.Environment.Remove("PYTHONPATH");
        }
        else
        {
            info.Environment["PYTHONPATH"] = pythonPath;
        }

        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        info.Environment.Remove("GYM_API_KEY");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(PythonTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"python3 {string.Join(' ', args)} did not finish in {PythonTimeout.TotalSeconds} s\n{await stdout}\n{await stderr}");
        }

        return new GymResult($"(python3) {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
    }

    /// <summary>What <c>pip install ./clients/python</c> reads: the project file, README and the package.</summary>
    private static void CopyPackageSources(string destination)
    {
        Directory.CreateDirectory(Path.Combine(destination, "gym_client"));
        foreach (var file in new[] { "pyproject.toml", "README.md" })
        {
            File.Copy(Path.Combine(ClientFolder, file), Path.Combine(destination, file));
        }

        foreach (var file in Directory.GetFiles(Path.Combine(ClientFolder, "gym_client"), "*.py"))
        {
            File.Copy(file, Path.Combine(destination, "gym_client", Path.GetFileName(file)));
        }
    }

    private static string? FindPython() =>
        File.Exists("/usr/bin/python3")
            ? "/usr/bin/python3"
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "python3"))
                .FirstOrDefault(File.Exists);
}
