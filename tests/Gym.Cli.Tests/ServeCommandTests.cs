using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;
using Gym.Testing;

namespace Gym.Cli.Tests;

/// <summary><c>gym serve</c> as a real process: it prints its URL, serves sessions, stops on SIGTERM, and rejects bad options.</summary>
public sealed class ServeCommandTests
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
        { "--cluster-port needs --cluster", ["serve", "--scenario", "tool-use/arithmetic-v0", "--cluster-port", "4053"] },
        { "--no-local-episodes needs --min-workers 1 or more", ["serve", "--scenario", "tool-use/arithmetic-v0", "--cluster", "--no-local-episodes"] },
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
        using var dir = new TempDirectory();
        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", Path.Combine(RepositoryRoot(), "scenarios", "tool-use", "easy.yaml"), "--port", "0");
        using var http = new HttpClient { BaseAddress = await serve.WaitForUrlAsync(), Timeout = TimeSpan.FromSeconds(30) };

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
    public async Task Gym_serve_does_not_load_torchsharp_or_gym_learning()
    {
        // Every managed assembly and native library a process has loaded is mapped from its file, so the
        // process's memory map names them; gym.dll is run by the dotnet host in that same process.
        var maps = $"/proc/{Environment.ProcessId}/maps";
        if (!File.Exists(maps))
        {
            return;
        }

        using var dir = new TempDirectory();
        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", "tool-use/arithmetic-v0", "--port", "0");
        using var http = new HttpClient { BaseAddress = await serve.WaitForUrlAsync(), Timeout = TimeSpan.FromSeconds(30) };
        using var created = await http.PostAsync(new Uri("/sessions", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
        created.StatusCode.Should().Be(HttpStatusCode.Created);

        var mapped = (await File.ReadAllLinesAsync($"/proc/{serve.Id}/maps"))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => Path.GetFileName(fields[^1]))
            .ToHashSet(StringComparer.Ordinal);
        mapped.Should().Contain("Gym.Server.dll", "the map lists the managed assemblies the server runs");
        mapped.Should().NotContain(name => name.StartsWith("TorchSharp", StringComparison.Ordinal)
            || name.StartsWith("Gym.Learning", StringComparison.Ordinal)
            || name.StartsWith("Gym.PolicyServing", StringComparison.Ordinal)
            || name.Contains("torch", StringComparison.OrdinalIgnoreCase));

        (await serve.StopAsync()).ExitCode.Should().Be(0);
    }

    private static string RepositoryRoot() => RepositoryFolders.Root;
}
