using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Gym.PolicyServing.Tests;

public sealed class PolicyServerBatchingTests
{
    [Fact]
    public async Task Concurrent_requests_are_generated_together_and_each_gets_its_own_answer()
    {
        await using var server = await TinyPolicyServer.StartAsync(maxBatch: 8);

        // Different budgets in one batch: each request is cut at its own max_tokens.
        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            server.CompleteAsync(TinyPolicyServer.Body($"q{i}", $"\"max_tokens\":{4 + (i % 3)},\"seed\":{i},\"logprobs\":true"))));

        replies.Should().OnlyContain(r => r.Status == 200);
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i].Body.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().BeLessThanOrEqualTo(4 + (i % 3));
        }

        var batcher = server.Server.Batcher;
        batcher.Requests.Should().Be(12);
        batcher.LargestBatch.Should().BeGreaterThan(1, "requests that arrive while a batch generates join the next one");
        batcher.LargestBatch.Should().BeLessThanOrEqualTo(8);
        batcher.Batches.Should().BeLessThan(12);
    }

    [Fact]
    public async Task Requests_with_different_temperatures_share_a_batch_but_not_a_generation_call()
    {
        await using var server = await TinyPolicyServer.StartAsync();

        var replies = await Task.WhenAll(
            server.CompleteAsync(TinyPolicyServer.Body("a", "\"max_tokens\":3,\"temperature\":0")),
            server.CompleteAsync(TinyPolicyServer.Body("b", "\"max_tokens\":3,\"temperature\":1,\"top_p\":0.5")));

        replies.Should().OnlyContain(r => r.Status == 200);
        server.Server.Batcher.Requests.Should().Be(2);
    }

    [Fact]
    public async Task A_context_longer_than_the_model_holds_is_refused_with_context_length_exceeded()
    {
        await using var server = await TinyPolicyServer.StartAsync(maxPositions: 64);

        var (status, body) = await server.CompleteAsync(TinyPolicyServer.Body(new string('x', 200)));

        status.Should().Be(400);
        var error = body.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("context_length_exceeded");
        error.GetProperty("message").GetString().Should().Contain("64");

        // The budget shrinks to what the context leaves, reported as length.
        var (ok, reply) = await server.CompleteAsync(TinyPolicyServer.Body(new string('x', 30), "\"max_tokens\":500,\"logprobs\":true"));
        ok.Should().Be(200, reply.GetRawText());
        var usage = reply.GetProperty("usage");
        usage.GetProperty("total_tokens").GetInt32().Should().BeLessThanOrEqualTo(64);
        if (reply.GetProperty("choices")[0].GetProperty("finish_reason").GetString() == "length")
        {
            usage.GetProperty("total_tokens").GetInt32().Should().Be(64);
        }

        body.ValueKind.Should().Be(JsonValueKind.Object);
    }

    [Fact]
    public async Task A_port_in_use_is_an_io_error()
    {
        await using var first = await TinyPolicyServer.StartAsync();
        var port = first.Server.BaseUrl.Port;
        using var model = new Learning.Model.PolicyModel(Learning.Model.PolicyConfig.Tiny, seed: 1);

        var act = () => PolicyServer.StartAsync(
            new ServedModel("m", model, Learning.Tokenization.ByteTokenizer.Instance),
            new PolicyServerOptions("127.0.0.1", port));

        await act.Should().ThrowAsync<IOException>();
    }
}
