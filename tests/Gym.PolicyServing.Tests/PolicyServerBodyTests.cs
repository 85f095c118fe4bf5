using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Gym.PolicyServing.Tests;

/// <summary>Request bodies the policy server refuses: too large (413, before it is read into memory) and too slow (408), both in its own words.</summary>
public sealed class PolicyServerBodyTests : IAsyncLifetime
{
    private TinyPolicyServer _server = null!;

    public async Task InitializeAsync() => _server = await TinyPolicyServer.StartAsync(maxBodyBytes: 64 * 1024);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_the_client_can_read_and_the_connection_closes()
    {
        // 10 MB: the client sends all of it (with a Content-Length), and still reads the answer.
        var huge = TinyPolicyServer.Body(new string('x', 10 * 1024 * 1024));
        var (status, body, connectionClose) = await PostAsync(huge, chunked: false);

        status.Should().Be(413, body.GetRawText());
        body.GetProperty("error").GetProperty("code").GetString().Should().Be("body_too_large");
        body.GetProperty("error").GetProperty("message").GetString().Should().Contain("limit of 65536 bytes").And.Contain("--max-body-bytes");
        connectionClose.Should().BeTrue("the rest of the body may still be on the wire");

        // Without a Content-Length the limit is found while reading.
        var chunked = await PostAsync(TinyPolicyServer.Body(new string('y', 200 * 1024)), chunked: true);
        chunked.Status.Should().Be(413, chunked.Body.GetRawText());

        // Under the limit, the same server answers as before.
        var (ok, _) = await _server.CompleteAsync(TinyPolicyServer.Body("2+3?", "\"max_tokens\":2"));
        ok.Should().Be(200);
    }

    [Fact]
    public async Task A_stalled_body_is_a_408_in_gyms_words()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _server.Server.BaseUrl.Port);
        var stream = client.GetStream();
        var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"model\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        // Send nothing more: Kestrel's minimum data rate gives up after its 5 s grace period.
        var answer = await ReadToEndAsync(stream, TimeSpan.FromSeconds(30));

        answer.Should().StartWith("HTTP/1.1 408");
        answer.Should().Contain("arrived too slowly").And.Contain("body_timeout").And.NotContain("MinRequestBodyDataRate");
        answer.Should().MatchRegex("(?im)^connection: close");
    }

    [Fact]
    public void The_limit_is_validated()
    {
        var act = () => new PolicyServerOptions(MaxBodyBytes: 10).Validate();
        act.Should().Throw<ArgumentException>().WithMessage("--max-body-bytes must be at least 1024 (got 10)");
    }

    private async Task<(int Status, JsonElement Body, bool ConnectionClose)> PostAsync(string json, bool chunked)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        else
        {
            request.Content.Headers.ContentLength = Encoding.UTF8.GetByteCount(json);
        }

        using var response = await _server.Http.SendAsync(request);
        return ((int)response.StatusCode, await TinyPolicyServer.ReadAsync(response), response.Headers.ConnectionClose == true);
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // The server reset the connection after answering: what came is the answer.
        }

        return text.ToString();
    }
}
