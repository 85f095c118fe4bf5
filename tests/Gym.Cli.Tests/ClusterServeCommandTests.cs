using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// <c>gym serve --cluster</c> and two <c>gym worker</c>s as real processes on 127.0.0.1: sessions'
/// answers equal a one-process <c>gym serve</c>'s for the same seeds; when a worker is SIGKILLed, the
/// sessions it hosted answer <c>session_lost</c> (HTTP 410) within the failure detector's time, the
/// others go on (over HTTP and WebSocket), and a new session opens on the survivor. Every process is
/// killed on dispose.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterServeCommandTests
{
    private const string Environment = "tool-use/arithmetic-v0";
    private const int Sessions = 8;
    private const int WebSocketSessions = 4;

    // Fault detection fast enough for a test: a killed worker is downed 2 s after it is found unreachable.
    private static readonly Dictionary<string, string> FastDowning = new() { ["GYM_Cluster__StableAfter"] = "2" };

    [Fact]
    public async Task Sessions_on_a_killed_worker_answer_session_lost_and_the_others_go_on()
    {
        using var dir = new TempDirectory();
        var expected = await OneProcessAnswersAsync(dir);
        var port = FreePort();

        await using var head = GymProcess.Start(dir.Path, FastDowning, "serve", "--scenario", Environment, "--port", "0", "--cluster", "--cluster-port", $"{port}", "--min-workers", "2", "--no-local-episodes");
        await using var victim = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        await using var survivor = GymProcess.Start(dir.Path, FastDowning, "worker", "--join", $"127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = await head.WaitForUrlAsync(TimeSpan.FromMinutes(2)), Timeout = TimeSpan.FromSeconds(90) };
        head.Output().Should().Contain("waiting for workers: 0/2 joined").And.Contain("workers: 2/2 joined; serving");

        var sessions = new List<string>();
        for (var i = 0; i < Sessions; i++)
        {
            var id = await CreateAsync(http);
            sessions.Add(id);
            (await PlayAsync(http, id, Seed(i))).Should().Equal(expected[i], $"session {i} on a worker must answer as one process does");
        }

        // WebSocket sessions too, each its own connection.
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < WebSocketSessions; i++)
        {
            var socket = new ClientWebSocket();
            sockets.Add(socket);
            await socket.ConnectAsync(new Uri($"ws://{http.BaseAddress!.Authority}/ws"), CancellationToken.None);
            var answer = await ExchangeAsync(socket, $"{{\"type\": \"reset\", \"seed\": {Seed(i)}}}");
            ((string)answer["type"]!).Should().Be("reset", answer.ToJsonString());
        }

        victim.KillHard();
        var clock = Stopwatch.StartNew();
        var lost = new List<int>();
        for (var i = 0; i < Sessions; i++)
        {
            var (status, body) = await PostAsync(http, $"/sessions/{sessions[i]}/reset", $"{{\"seed\": {Seed(i)}}}");
            if (status == HttpStatusCode.Gone)
            {
                ((string)body["error"]!["code"]!).Should().Be("session_lost", body.ToJsonString());
                ((string)body["error"]!["message"]!).Should().Contain("was lost").And.Contain(sessions[i]);
                lost.Add(i);

                // Later requests are told too, at once.
                var (again, againBody) = await PostAsync(http, $"/sessions/{sessions[i]}/step", "{\"action\": \"<answer>1</answer>\"}");
                again.Should().Be(HttpStatusCode.Gone, againBody.ToJsonString());
                ((string)againBody["error"]!["code"]!).Should().Be("session_lost");
            }
            else
            {
                status.Should().Be(HttpStatusCode.OK, body.ToJsonString());
                ((int)body["episode"]!).Should().Be(1, "it is the session's second episode");
                body["episode"] = 0;
                Strip(body).Should().Be(expected[i][0], $"session {i} lived on the surviving worker and goes on");
            }
        }

        var lostSockets = 0;
        for (var i = 0; i < WebSocketSessions; i++)
        {
            var answer = await ExchangeAsync(sockets[i], $"{{\"type\": \"reset\", \"seed\": {Seed(i)}, \"id\": {i}}}");
            if ((string)answer["type"]! == "error")
            {
                ((string)answer["error"]!["code"]!).Should().Be("session_lost", answer.ToJsonString());
                ((int)answer["id"]!).Should().Be(i);
                lostSockets++;
            }
            else
            {
                ((string)answer["type"]!).Should().Be("reset", answer.ToJsonString());
            }

            sockets[i].Dispose();
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(45), "a lost session is reported within the failure detector's time, not after a hang");
        lost.Should().NotBeEmpty("sessions were spread over both workers, so some lived on the killed one");
        lostSockets.Should().BeLessThan(WebSocketSessions, "WebSocket sessions on the surviving worker go on");
        lost.Should().HaveCountLessThan(Sessions, "the sessions on the surviving worker go on");

        var fresh = await CreateAsync(http);
        (await PlayAsync(http, fresh, Seed(0))).Should().Equal(expected[0], "a new session opens on the surviving worker");

        head.Terminate();
        var result = await head.WaitAsync(TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain("stopped");
        CliAssertions.AssertNoStackTrace(result);
        var survivorResult = await survivor.WaitAsync(TimeSpan.FromMinutes(1));
        survivorResult.ExitCode.Should().Be(0, survivorResult.Because);
    }

    private static long Seed(int session) => 100 + session;

    /// <summary>What one-process <c>gym serve</c> answers to each session's reset and two steps.</summary>
    private static async Task<List<List<string>>> OneProcessAnswersAsync(TempDirectory dir)
    {
        await using var serve = GymProcess.Start(dir.Path, "serve", "--scenario", Environment, "--port", "0");
        using var http = new HttpClient { BaseAddress = await serve.WaitForUrlAsync(), Timeout = TimeSpan.FromSeconds(60) };
        var answers = new List<List<string>>();
        for (var i = 0; i < Sessions; i++)
        {
            answers.Add(await PlayAsync(http, await CreateAsync(http), Seed(i)));
        }

        var result = await serve.StopAsync();
        result.ExitCode.Should().Be(0, result.Because);
        return answers;
    }

    /// <summary>Resets with <paramref name="seed"/>, then plays a malformed action and an answer; returns the three bodies without the session id.</summary>
    private static async Task<List<string>> PlayAsync(HttpClient http, string id, long seed)
    {
        var bodies = new List<string>();
        foreach (var (path, body) in new[]
        {
            ("reset", $"{{\"seed\": {seed}}}"),
            ("step", "{\"action\": \"let me think\"}"),
            ("step", "{\"action\": \"<answer>7</answer>\"}"),
        })
        {
            var (status, answer) = await PostAsync(http, $"/sessions/{id}/{path}", body);
            status.Should().Be(HttpStatusCode.OK, answer.ToJsonString());
            bodies.Add(Strip(answer));
        }

        return bodies;
    }

    private static async Task<JsonNode> ExchangeAsync(ClientWebSocket socket, string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[1 << 16];
        using var text = new MemoryStream();
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, timeout.Token);
            text.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);
        return JsonNode.Parse(text.ToArray())!;
    }

    private static async Task<string> CreateAsync(HttpClient http)
    {
        var (status, body) = await PostAsync(http, "/sessions", "{}");
        status.Should().Be(HttpStatusCode.Created, body.ToJsonString());
        return (string)body["session_id"]!;
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    // Session ids are random; everything else must match.
    private static string Strip(JsonNode body)
    {
        body.AsObject().Remove("session_id");
        return body.ToJsonString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
