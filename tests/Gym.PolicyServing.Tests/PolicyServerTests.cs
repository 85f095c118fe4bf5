using System.Text;
using System.Text.Json;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Policies;
using Gym.Core.Policies.OpenAi;
using Gym.Learning.Tokenization;
using Xunit;

namespace Gym.PolicyServing.Tests;

public sealed class PolicyServerTests : IAsyncLifetime
{
    private TinyPolicyServer _server = null!;

    public async Task InitializeAsync() => _server = await TinyPolicyServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Lists_the_served_model()
    {
        using var response = await _server.Http.GetAsync("models");
        var body = await TinyPolicyServer.ReadAsync(response);

        ((int)response.StatusCode).Should().Be(200);
        body.GetProperty("object").GetString().Should().Be("list");
        var model = body.GetProperty("data").EnumerateArray().Should().ContainSingle().Subject;
        model.GetProperty("id").GetString().Should().Be(TinyPolicyServer.ModelId);
        model.GetProperty("object").GetString().Should().Be("model");

        using var one = await _server.Http.GetAsync($"models/{TinyPolicyServer.ModelId}");
        (await TinyPolicyServer.ReadAsync(one)).GetProperty("id").GetString().Should().Be(TinyPolicyServer.ModelId);
    }

    [Fact]
    public async Task A_completion_has_the_openai_shape_with_logprobs_and_usage()
    {
        var (status, body) = await _server.CompleteAsync(TinyPolicyServer.Body("2+3?", "\"max_tokens\":6,\"logprobs\":true,\"top_logprobs\":0,\"seed\":11,\"n\":1"));

        status.Should().Be(200, body.GetRawText());
        body.GetProperty("object").GetString().Should().Be("chat.completion");
        body.GetProperty("id").GetString().Should().StartWith("chatcmpl-");
        body.GetProperty("model").GetString().Should().Be(TinyPolicyServer.ModelId);
        var choice = body.GetProperty("choices").EnumerateArray().Should().ContainSingle().Subject;
        choice.GetProperty("index").GetInt32().Should().Be(0);
        choice.GetProperty("message").GetProperty("role").GetString().Should().Be("assistant");
        var text = choice.GetProperty("message").GetProperty("content").GetString()!;
        var finish = choice.GetProperty("finish_reason").GetString();
        finish.Should().BeOneOf("stop", "length");
        var tokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        tokens.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(6);
        if (finish == "length")
        {
            tokens.Should().HaveCount(6);
        }

        foreach (var token in tokens)
        {
            token.GetProperty("logprob").GetDouble().Should().BeLessThanOrEqualTo(0);
            token.GetProperty("bytes").GetArrayLength().Should().BeGreaterThan(0);
            token.GetProperty("top_logprobs").GetArrayLength().Should().Be(0);
            token.GetProperty("token").ValueKind.Should().Be(JsonValueKind.String);
        }

        // Byte-level tokens: the text is the tokens' bytes, less a final end-of-turn marker.
        var bytes = tokens.Where(t => t.GetProperty("token").GetString() != "<|im_end|>" && t.GetProperty("token").GetString() != "<|eos|>")
            .SelectMany(t => t.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32())).ToArray();
        text.Should().Be(Encoding.UTF8.GetString(bytes));

        var usage = body.GetProperty("usage");
        usage.GetProperty("completion_tokens").GetInt32().Should().Be(tokens.Count);
        var promptTokens = new Learning.Policy.ChatTemplate(ByteTokenizer.Instance).Render([ChatMessage.User("2+3?")]).Length;
        usage.GetProperty("prompt_tokens").GetInt32().Should().Be(promptTokens);
        usage.GetProperty("total_tokens").GetInt32().Should().Be(promptTokens + tokens.Count);
    }

    [Fact]
    public async Task Without_logprobs_the_field_is_null()
    {
        var (status, body) = await _server.CompleteAsync(TinyPolicyServer.Body("hi", "\"max_tokens\":3"));

        status.Should().Be(200);
        body.GetProperty("choices")[0].GetProperty("logprobs").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_completion_and_another_seed_another()
    {
        async Task<string> Sample(int seed)
        {
            var (_, body) = await _server.CompleteAsync(TinyPolicyServer.Body("count", $"\"max_tokens\":12,\"temperature\":1,\"seed\":{seed},\"logprobs\":true"));
            return body.GetProperty("choices")[0].GetRawText();
        }

        var first = await Sample(1);
        (await Sample(1)).Should().Be(first);
        (await Sample(2)).Should().NotBe(first);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_before_it()
    {
        // Greedy decoding is repeatable: find a character the model writes, then ask it to stop there.
        var (_, free) = await _server.CompleteAsync(TinyPolicyServer.Body("abc", "\"max_tokens\":24,\"temperature\":0,\"logprobs\":true"));
        var text = free.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var ascii = text.Where(c => c < '\u0080').ToList();
        ascii.Should().NotBeEmpty($"greedy decoding of this seed writes some ASCII: '{text}'");
        var stop = ascii[^1].ToString();
        var (status, body) = await _server.CompleteAsync(TinyPolicyServer.Body("abc", $"\"max_tokens\":24,\"temperature\":0,\"logprobs\":true,\"stop\":[{JsonSerializer.Serialize(stop)},\"never-written\"]"));

        status.Should().Be(200);
        var choice = body.GetProperty("choices")[0];
        var cut = choice.GetProperty("message").GetProperty("content").GetString()!;
        cut.Should().Be(text[..text.IndexOf(stop, StringComparison.Ordinal)]);
        choice.GetProperty("finish_reason").GetString().Should().Be("stop");
        var tokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        tokens[^1].GetProperty("token").GetString().Should().Be(stop, "the tokens run up to the one that completed the stop sequence");
        body.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(tokens.Count);
    }

    [Fact]
    public async Task Content_parts_tool_messages_and_developer_roles_are_accepted()
    {
        var json = $$"""
            {"model":"{{TinyPolicyServer.ModelId}}","max_tokens":2,"messages":[
              {"role":"developer","content":"be brief"},
              {"role":"user","content":[{"type":"text","text":"2+"},{"type":"text","text":"3"}]},
              {"role":"assistant","content":"<calculator>2+3</calculator>"},
              {"role":"tool","name":"calculator","content":"5"}]}
            """;

        var (status, body) = await _server.CompleteAsync(json);

        status.Should().Be(200, body.GetRawText());
        var expected = new Learning.Policy.ChatTemplate(ByteTokenizer.Instance).Render(
            [ChatMessage.System("be brief"), ChatMessage.User("2+3"), ChatMessage.Assistant("<calculator>2+3</calculator>"), ChatMessage.Tool("calculator", "5")]).Length;
        body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().Should().Be(expected);
    }

    [Theory]
    [InlineData("{not json", 400, null, "not valid JSON")]
    [InlineData("[1,2]", 400, null, "must be a JSON object")]
    [InlineData("{\"model\":\"tiny-test\"}", 400, "messages", "'messages' is required")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "model", "'model' is required")]
    [InlineData("{\"model\":\"tiny-test\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", 400, "messages[0].role", "must be system, developer, user, assistant or tool")]
    [InlineData("{\"model\":\"tiny-test\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", 400, "messages[0].content", "text only")]
    [InlineData("{\"model\":\"tiny-test\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "n", "only n = 1")]
    [InlineData("{\"model\":\"tiny-test\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "stream", "streaming is not supported")]
    [InlineData("{\"model\":\"tiny-test\",\"top_logprobs\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "top_logprobs", "only top_logprobs = 0")]
    [InlineData("{\"model\":\"tiny-test\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "temperature", "temperature must be in [0, 2]")]
    [InlineData("{\"model\":\"tiny-test\",\"top_p\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "top_p", "top_p must be in (0, 1]")]
    [InlineData("{\"model\":\"tiny-test\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "max_tokens", "at least 1")]
    [InlineData("{\"model\":\"tiny-test\",\"max_tokens\":\"5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "max_tokens", "whole number")]
    [InlineData("{\"model\":\"tiny-test\",\"stop\":[\"\"],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "stop", "must not be empty")]
    [InlineData("{\"model\":\"tiny-test\",\"stop\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "stop", "string or an array of strings")]
    [InlineData("{\"model\":\"tiny-test\",\"seed\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "seed", "whole number")]
    [InlineData("{\"model\":\"tiny-test\",\"seed\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "seed", "seed is out of range: it must be a whole number from -9223372036854775808 to 9223372036854775807, got 99999999999999999999")]
    [InlineData("{\"model\":\"tiny-test\",\"seed\":-1e30,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "seed", "seed is out of range")]
    [InlineData("{\"model\":\"tiny-test\",\"max_tokens\":4294967296,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "max_tokens", "max_tokens is out of range: it must be a whole number from -2147483648 to 2147483647")]
    [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 404, "model", "this server serves 'tiny-test'")]
    public async Task Bad_requests_get_an_openai_style_error(string json, int status, string? param, string message)
    {
        var (actual, body) = await _server.CompleteAsync(json);

        actual.Should().Be(status, body.GetRawText());
        var error = body.GetProperty("error");
        error.GetProperty("message").GetString().Should().Contain(message);
        error.GetProperty("type").GetString().Should().Be(status == 404 ? "not_found_error" : "invalid_request_error");
        if (param is null)
        {
            error.GetProperty("param").ValueKind.Should().Be(JsonValueKind.Null);
        }
        else
        {
            error.GetProperty("param").GetString().Should().Be(param);
        }

        body.GetRawText().Should().NotContain("   at ", "no stack trace reaches a client");
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_get_json_errors()
    {
        using var missing = await _server.Http.GetAsync("completions");
        ((int)missing.StatusCode).Should().Be(404);
        (await TinyPolicyServer.ReadAsync(missing)).GetProperty("error").GetProperty("message").GetString().Should().Contain("POST /v1/chat/completions");

        using var wrongMethod = await _server.Http.GetAsync("chat/completions");
        ((int)wrongMethod.StatusCode).Should().Be(405);
        (await TinyPolicyServer.ReadAsync(wrongMethod)).GetProperty("error").GetProperty("message").GetString().Should().Contain("takes POST");

        using var unknownModel = await _server.Http.GetAsync("models/other");
        ((int)unknownModel.StatusCode).Should().Be(404);
    }

    [Fact]
    public async Task The_openai_policy_plays_against_the_server()
    {
        using var policy = new OpenAiPolicy(new OpenAiPolicyOptions(_server.Server.BaseUrl, TinyPolicyServer.ModelId) { MaxTokens = 10, Temperature = 1 });
        IReadOnlyList<ChatMessage> context = [ChatMessage.System("Solve it."), ChatMessage.User("2+3?")];

        await policy.CheckReachableAsync();
        var first = await policy.ActAsync([new PolicyRequest("e0", 3, 0, context), new PolicyRequest("e1", 4, 0, context)], CancellationToken.None);
        var again = await policy.ActAsync([new PolicyRequest("e0", 3, 0, context)], CancellationToken.None);

        first.Should().HaveCount(2);
        foreach (var action in first)
        {
            action.LogProbs.Should().NotBeNull().And.NotBeEmpty().And.HaveCountLessThanOrEqualTo(10);
            action.LogProbs!.Should().OnlyContain(lp => lp <= 0);
        }

        // The per-turn seed makes a rerun ask, and get, the same tokens; log-probs agree up to the float
        // rounding of a batch of one against a batch of two.
        again[0].Text.Should().Be(first[0].Text);
        again[0].LogProbs.Should().HaveCount(first[0].LogProbs!.Count);
        again[0].LogProbs!.Zip(first[0].LogProbs!).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4);
    }
}
