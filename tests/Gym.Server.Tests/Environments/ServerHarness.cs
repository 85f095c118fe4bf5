using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Gym.Core.Registry;
using Gym.Environments.ToolUse;
using Gym.Server.Sessions;

namespace Gym.Server.Tests.Environments;

/// <summary>A real Kestrel environment server on 127.0.0.1, port 0, with an HTTP client for it; stopped on dispose.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    public const string Arithmetic = ToolUseEnvironments.Arithmetic;
    public const string Easy = ToolUseEnvironments.ArithmeticEasy;

    /// <summary>A tool call the arithmetic task accepts.</summary>
    public const string CalculatorCall = "<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2+3\"}}</tool_call>";

    private ServerHarness(EnvironmentServer server, string? apiKey, List<string> log)
    {
        Server = server;
        Log = log;
        Http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public EnvironmentServer Server { get; }

    public HttpClient Http { get; }

    /// <summary>What the server logged (unexpected failures only).</summary>
    public List<string> Log { get; }

    public static Task<ServerHarness> StartAsync(Func<EnvironmentServerOptions, EnvironmentServerOptions>? configure = null, params string[] ids) =>
        StartAsync(configure, null, ids);

    public static async Task<ServerHarness> StartAsync(Func<EnvironmentServerOptions, EnvironmentServerOptions>? configure, Action<EnvironmentRegistry>? register, params string[] ids)
    {
        var log = new List<string>();
        var options = new EnvironmentServerOptions { Port = 0, Log = line => { lock (log) { log.Add(line); } } };
        options = configure?.Invoke(options) ?? options;
        var registry = new EnvironmentRegistry().AddToolUse();
        register?.Invoke(registry);
        var server = await EnvironmentServer.StartAsync(registry, ids.Length > 0 ? ids : [Arithmetic, Easy], options);
        return new ServerHarness(server, options.ApiKey, log);
    }

    public static EnvironmentServerOptions WithSessions(EnvironmentServerOptions options, SessionManagerOptions sessions) => options with { Sessions = sessions };

    public async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public async Task<JsonNode> PostOkAsync(string path, string? body = null)
    {
        var (status, json, _) = await SendAsync(HttpMethod.Post, path, body);
        status.Should().BeOneOf([200, 201], json?.ToJsonString());
        return json!;
    }

    public async Task<string> CreateSessionAsync(string env = Arithmetic) =>
        (string)(await PostOkAsync("/sessions", $"{{\"env_id\": \"{env}\"}}"))["session_id"]!;

    public async Task<ClientWebSocket> ConnectAsync(string query = "env_id=tool-use/arithmetic-v0", string? apiKey = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (apiKey is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {apiKey}");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new Uri($"{Server.WebSocketUrl}?{query}"), timeout.Token);
        return socket;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="limit"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan limit)
    {
        var end = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>JSON messages over a client WebSocket, with timeouts so a test never hangs.</summary>
public static class WebSocketMessages
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task SendAsync(this WebSocket socket, string json)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>The next message as JSON, or null when the server closed the connection.</summary>
    public static async Task<JsonNode?> ReceiveJsonAsync(this WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(message.ToArray());
            }
        }
    }

    public static async Task<JsonNode> RequestAsync(this WebSocket socket, string json)
    {
        await socket.SendAsync(json);
        return await socket.ReceiveJsonAsync() ?? throw new InvalidOperationException($"the server closed the connection instead of answering {json}");
    }

    public static string Code(this JsonNode error) => (string)error["error"]!["code"]!;

    public static void ShouldBeError(this JsonNode json, string code)
    {
        json["error"].Should().NotBeNull(json.ToJsonString());
        json.Code().Should().Be(code, json.ToJsonString());
        ((string)json["error"]!["message"]!).Should().NotBeNullOrWhiteSpace();
        json.ToJsonString().Should().NotContain("   at ").And.NotContain("Exception");
    }

    public static string Escape(string text) => JsonSerializer.Serialize(text);
}
