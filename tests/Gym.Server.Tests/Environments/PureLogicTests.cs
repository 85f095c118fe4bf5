using System.Text;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Server.Http;
using Gym.Server.Metrics;
using Gym.Server.Protocol;
using Gym.Server.Sessions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>The server's pure parts: parsing, routing, episode state, the key check, the histogram.</summary>
public sealed class PureLogicTests
{
    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void A_step_message_carries_text_token_ids_and_logprobs()
    {
        var message = RequestParser.ParseMessage(Bytes("{\"type\": \"step\", \"id\": [1], \"action\": {\"text\": \"hi\", \"token_ids\": [5, 6], \"logprobs\": [-1, -0.5]}}"));
        message.Type.Should().Be(MessageType.Step);
        message.Id.GetRawText().Should().Be("[1]");
        message.Step!.Action.Text.Should().Be("hi");
        message.Step.Action.TokenIds.Should().Equal(5, 6);
        message.Step.Action.LogProbs.Should().Equal(-1f, -0.5f);
    }

    [Fact]
    public void Empty_bodies_mean_defaults_where_every_field_is_optional()
    {
        RequestParser.ParseReset(Bytes("  ")).Should().Be(new ResetRequest(null, 0));
        RequestParser.ParseReset(Bytes("{\"seed\": null, \"attempt\": 2}")).Should().Be(new ResetRequest(null, 2));
        RequestParser.ParseCreateSession(ReadOnlyMemory<byte>.Empty).EnvironmentId.Should().BeNull();
        var parse = () => RequestParser.ParseStep(ReadOnlyMemory<byte>.Empty);
        parse.Should().Throw<ServerErrorException>().Which.Error.Code.Should().Be("invalid_request");
    }

    [Fact]
    public void Parameters_accept_strings_numbers_and_booleans_as_text()
    {
        var request = RequestParser.ParseCreateSession(Bytes("{\"env_id\": \"a/b-v0\", \"params\": {\"digits\": 3, \"format\": \"xml-tags\", \"flag\": true}}"));
        request.Parameters.Should().Equal(new Dictionary<string, string> { ["digits"] = "3", ["format"] = "xml-tags", ["flag"] = "true" });
        var nested = () => RequestParser.ParseCreateSession(Bytes("{\"params\": {\"x\": [1]}}"));
        nested.Should().Throw<ServerErrorException>().WithMessage("*parameter 'x'*");
    }

    [Theory]
    [InlineData("{\"type\": \"reset\", \"seed\": 99999999999999999999}", "'seed' must be a whole number")]
    [InlineData("{\"type\": \"step\", \"action\": {\"text\": \"x\", \"token_ids\": [1.5]}}", "'action.token_ids[0]'")]
    [InlineData("{\"type\": \"close\", \"reason\": 1}", "unknown field 'reason'")]
    [InlineData("{\"id\": 1}", "needs a 'type'")]
    [InlineData("{\"type\": \"step\", \"action\": null}", "'action' must be a string")]
    public void Message_errors_name_the_field(string json, string mention)
    {
        var parse = () => RequestParser.ParseMessage(Bytes(json));
        parse.Should().Throw<ServerErrorException>().Which.Error.Message.Should().Contain(mention);
    }

    [Fact]
    public void Invalid_json_reports_where()
    {
        var parse = () => RequestParser.ParseMessage(Bytes("{\"type\": }"));
        var error = parse.Should().Throw<ServerErrorException>().Which.Error;
        error.Code.Should().Be("invalid_json");
        error.Message.Should().Contain("line 1").And.NotContain("LineNumber");
        RequestParser.TryReadId(Bytes("{\"type\": }")).ValueKind.Should().Be(System.Text.Json.JsonValueKind.Undefined);
    }

    [Theory]
    [InlineData("GET", "/health", Route.Health, null)]
    [InlineData("HEAD", "/health", Route.Health, null)]
    [InlineData("GET", "/metrics/", Route.Metrics, null)]
    [InlineData("POST", "/sessions", Route.CreateSession, null)]
    [InlineData("GET", "/sessions/abc", Route.GetSession, "abc")]
    [InlineData("DELETE", "/sessions/abc", Route.DeleteSession, "abc")]
    [InlineData("POST", "/sessions/abc/reset", Route.Reset, "abc")]
    [InlineData("POST", "/sessions/abc/step", Route.Step, "abc")]
    [InlineData("GET", "/ws", Route.WebSocket, null)]
    [InlineData("POST", "/ws", Route.MethodNotAllowed, null)]
    [InlineData("PATCH", "/sessions/abc", Route.MethodNotAllowed, null)]
    [InlineData("GET", "/sessions/abc/other", Route.NotFound, null)]
    [InlineData("GET", "/", Route.NotFound, null)]
    public void Routes_tell_endpoints_unknown_paths_and_wrong_methods_apart(string method, string path, Route route, string? id)
    {
        ServerRoutes.Match(method, path).Should().Be(new RouteMatch(route, id));
    }

    [Fact]
    public void Episode_state_allows_steps_only_while_running()
    {
        var state = new EpisodeState();
        state.StepError!.Code.Should().Be("not_reset");
        state.OnReset(5, 1);
        state.StepError.Should().BeNull();
        state.OnStep(Result(0.5, done: false));
        state.OnStep(Result(1.0, done: true));
        (state.Status, state.Turn, state.EpisodeReward, state.Terminated, state.StopReason).Should().Be((SessionStatus.Done, 2, 1.5, true, StopReason.Answered));
        state.StepError!.Code.Should().Be("episode_done");
        state.OnReset(6, 0);
        (state.Episode, state.Seed, state.Turn, state.EpisodeReward).Should().Be((1, 6L, 0, 0.0));
        state.OnFailure();
        state.StepError!.Code.Should().Be("episode_failed");
    }

    [Fact]
    public void The_api_key_check_needs_the_exact_bearer_token()
    {
        var check = new ApiKeyCheck("k1");
        check.Allows("Bearer k1").Should().BeTrue();
        check.Allows("bearer k1").Should().BeTrue();
        check.Allows("Bearer k2").Should().BeFalse();
        check.Allows("k1").Should().BeFalse();
        check.Allows(null).Should().BeFalse();
        new ApiKeyCheck(null).Allows(null).Should().BeTrue();
    }

    [Fact]
    public void The_histogram_is_cumulative_and_counts_every_value()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(System.Diagnostics.Stopwatch.Frequency / 10_000);  // 100 µs: the first bucket
        histogram.Record(System.Diagnostics.Stopwatch.Frequency / 100);     // 10 ms
        histogram.Record(System.Diagnostics.Stopwatch.Frequency * 60);      // 60 s: only +Inf
        var cumulative = histogram.CumulativeCounts();
        cumulative[0].Should().Be(1);
        cumulative[LatencyHistogram.Bounds.ToList().IndexOf(0.01)].Should().Be(2);
        cumulative[^2].Should().Be(2);
        cumulative[^1].Should().Be(3);
        histogram.Count.Should().Be(3);
        histogram.SumSeconds.Should().BeApproximately(60.0101, 1e-6);
    }

    private static StepResult Result(double reward, bool done) => new(
        [],
        reward,
        new RewardBreakdown([new RewardTerm("r", RewardKind.Outcome, reward, 1)]),
        done,
        false,
        done ? StopReason.Answered : StopReason.None,
        StepInfo.Empty,
        []);
}
