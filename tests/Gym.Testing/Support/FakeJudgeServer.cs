using Gym.Core.Rewards.Judging;

namespace Gym.Testing;

/// <summary>One chat-completions request as the fake judge server received it.</summary>
/// <param name="Index">The request's arrival index, from 0.</param>
/// <param name="Path">The request path.</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="Model">The model asked for.</param>
/// <param name="Temperature">The sampling temperature asked for.</param>
/// <param name="MaxTokens">The completion token limit asked for.</param>
/// <param name="Messages">The chat messages, as (role, content).</param>
public sealed record JudgeRequest(
    int Index,
    string Path,
    string? Authorization,
    string Model,
    double Temperature,
    int MaxTokens,
    IReadOnlyList<(string Role, string Content)> Messages)
{
    /// <summary>The last user message.</summary>
    public string User => Messages.Last(m => m.Role == "user").Content;

    /// <summary>The system message, if any.</summary>
    public string? System => Messages.FirstOrDefault(m => m.Role == "system").Content;

    /// <summary>Reads a judge call from what the chat server received; throws on a body that is not one.</summary>
    public static JudgeRequest From(ChatRequest request)
    {
        var root = request.Body;
        return new JudgeRequest(
            request.Index,
            request.Path,
            request.Authorization,
            root.GetProperty("model").GetString()!,
            root.GetProperty("temperature").GetDouble(),
            root.GetProperty("max_tokens").GetInt32(),
            [.. root.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))]);
    }
}

/// <summary>What the fake judge server answers: a completion, an HTTP error, a raw body, a delay or a dropped connection.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Content">The judge's completion (when <paramref name="Body"/> is null).</param>
/// <param name="Body">A raw response body that replaces the completion.</param>
/// <param name="Delay">How long to wait before answering.</param>
/// <param name="RetryAfter">A Retry-After header value.</param>
/// <param name="Abort">Drop the connection instead of answering.</param>
public sealed record ServerReply(int Status = 200, string? Content = null, string? Body = null, TimeSpan Delay = default, string? RetryAfter = null, bool Abort = false)
{
    /// <summary>A 200 completion with <paramref name="content"/>.</summary>
    public static ServerReply Ok(string content) => new(Content: content);

    /// <summary>An HTTP error with an OpenAI-style error body and, when given, a Retry-After header.</summary>
    public static ServerReply Error(int status, string body = "{\"error\":{\"message\":\"scripted failure\"}}", string? retryAfter = null) =>
        new(status, Body: body, RetryAfter: retryAfter);

    /// <summary>The same reply for the underlying <see cref="FakeChatServer"/>.</summary>
    public ChatReply ToChatReply() => new(Status, Content, Body: Body, Delay: Delay, RetryAfter: RetryAfter, Abort: Abort);
}

/// <summary>
/// The scripted <see cref="FakeChatServer"/> seen as a judge: handlers get parsed judge calls
/// (model, temperature, max tokens, messages), anything but POST /v1/chat/completions is a 404,
/// and <see cref="Endpoint"/> points a judge client at it with test-sized backoff.
/// </summary>
public sealed class FakeJudgeServer : IAsyncDisposable
{
    private const string ChatPath = "/v1/chat/completions";
    private readonly FakeChatServer _server;

    private FakeJudgeServer(FakeChatServer server) => _server = server;

    /// <summary>The API root, e.g. http://127.0.0.1:41234/v1.</summary>
    public Uri BaseUrl => _server.BaseUrl;

    /// <summary>HTTP requests received, whatever their fate.</summary>
    public int Requests => _server.Requests;

    /// <summary>The judge calls received (requests to other paths are left out).</summary>
    public IReadOnlyList<JudgeRequest> Received => [.. _server.Received.Where(IsJudgeCall).Select(JudgeRequest.From)];

    /// <summary>When each request arrived, measured from the server's start.</summary>
    public IReadOnlyList<TimeSpan> Arrivals => _server.Arrivals;

    /// <summary>Starts a judge that answers every call with the completion <paramref name="reply"/> gives.</summary>
    public static Task<FakeJudgeServer> StartAsync(Func<JudgeRequest, string> reply) =>
        StartAsync(request => ServerReply.Ok(reply(request)));

    /// <summary>Starts a judge that answers every call with <paramref name="handler"/>.</summary>
    public static Task<FakeJudgeServer> StartAsync(Func<JudgeRequest, ServerReply> handler) =>
        StartAsync(request => Task.FromResult(handler(request)));

    /// <summary>Starts a judge that answers every call with the asynchronous <paramref name="handler"/>.</summary>
    public static async Task<FakeJudgeServer> StartAsync(Func<JudgeRequest, Task<ServerReply>> handler) =>
        new(await FakeChatServer.StartAsync(async request =>
            IsJudgeCall(request) ? (await handler(JudgeRequest.From(request))).ToChatReply() : new ChatReply(404, Body: "")));

    /// <summary>
    /// An endpoint on this server with test-sized backoff. The timeout is generous because a cold
    /// first request (JIT, a loaded build machine) can take a second; timeout tests set their own.
    /// </summary>
    public JudgeEndpoint Endpoint(string model = "judge-model") => new(BaseUrl, model)
    {
        Timeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    /// <summary>Stops the server.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static bool IsJudgeCall(ChatRequest request) => request.Method == "POST" && request.Path == ChatPath;
}
