using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;
using TorchSharp;

namespace Gym.PolicyServing.Tests;

/// <summary>
/// A real <see cref="PolicyServer"/> on 127.0.0.1 (Kestrel, a free port) serving a freshly initialized
/// tiny byte-level model, with an <see cref="HttpClient"/> to talk to it.
/// </summary>
public sealed class TinyPolicyServer : IAsyncDisposable
{
    private readonly PolicyModel _model;

    private TinyPolicyServer(PolicyServer server, PolicyModel model)
    {
        Server = server;
        _model = model;
        Http = new HttpClient { BaseAddress = new Uri(server.BaseUrl.AbsoluteUri.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public const string ModelId = "tiny-test";

    public PolicyServer Server { get; }

    public HttpClient Http { get; }

    public static async Task<TinyPolicyServer> StartAsync(int maxBatch = 32, int maxPositions = 1024, int maxBodyBytes = PolicyServerOptions.DefaultMaxBodyBytes, ChatFormat? format = null)
    {
        // The tests share a busy machine: one intra-op thread keeps generation from fighting itself.
        torch.set_num_threads(1);
        var model = new PolicyModel(PolicyConfig.Tiny with { MaxPositions = maxPositions }, seed: 5);
        var server = await PolicyServer.StartAsync(new ServedModel(ModelId, model, ByteTokenizer.Instance, format), new PolicyServerOptions("127.0.0.1", 0, maxBatch, MaxBodyBytes: maxBodyBytes));
        return new TinyPolicyServer(server, model);
    }

    /// <summary>Posts a JSON body to <c>chat/completions</c> and returns the status and parsed reply.</summary>
    public async Task<(int Status, JsonElement Body)> CompleteAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync("chat/completions", content);
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    /// <summary>A request for <see cref="ModelId"/> with one user message and extra fields.</summary>
    public static string Body(string user, string extra = "") =>
        $$"""{"model":"{{ModelId}}","messages":[{"role":"user","content":{{JsonSerializer.Serialize(user)}}}]{{(extra.Length > 0 ? "," + extra : "")}}}""";

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _model.Dispose();
    }
}
