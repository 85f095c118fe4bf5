using System.Text.Json;
using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Core.Tests.Trajectories;

public sealed class TrajectoryJsonTests
{
    private static readonly string[] Tags = ["a", "b"];

    private static ToolCall Call(string name, string json) => new(name, JsonDocument.Parse(json).RootElement.Clone());

    /// <summary>An episode with every kind of field: tool calls with results and errors, token ids, log-probs, info, timings.</summary>
    private static EpisodeRecord Sample(EpisodeTimings? timings = null)
    {
        var recorder = new EpisodeRecorder(17, "test/secret-number-v0", -42, "expert:0.25");
        recorder.Reset(new ResetResult(
            [ChatMessage.System("Use <tool_call> tags & be brief."), ChatMessage.User("Compute 2 + 3 — «vite».")],
            StepInfo.Empty.With("seed", -42L).With("difficulty", 3).With("tags", Tags)));

        var calls = new List<ToolInvocation>
        {
            new(Call("calculator", """{"expression":"2 + 3"}"""), ToolResult.Ok("5")),
            new(Call("search", """{"query":"x","limit":3,"nested":{"deep":[1,2.5,null,true]}}"""), new ToolResult("timed out after 100 ms", ToolErrorKind.TimedOut)),
        };
        recorder.Step(
            new AgentAction("<think>add</think><tool_call>{\"name\": \"calculator\"}</tool_call>", [151644, 77, 0, -1], [-0.125f, -1.5e-7f, 0f, -12.75f]),
            new StepResult(
                [ChatMessage.Tool("calculator", "5"), ChatMessage.Tool("search", "Error: timed out after 100 ms")],
                0.0,
                new RewardBreakdown([new RewardTerm("format", RewardKind.Process, 0, 0.2), new RewardTerm("tool_call", RewardKind.Process, 0, 0.1)]),
                false, false, StopReason.None, StepInfo.Empty.With("turn", 1), calls));
        recorder.Step(
            new AgentAction("<answer>5"),
            new StepResult(
                [ChatMessage.User("Invalid action: <answer> at character 1 is never closed")],
                -0.2,
                new RewardBreakdown([new RewardTerm("format", RewardKind.Process, -1, 0.2), new RewardTerm("tool_call", RewardKind.Process, 0, 0.1)]),
                false, false, StopReason.None, StepInfo.Empty.With("turn", 2), [], "<answer> at character 1 is never closed"));
        var breakdown = new RewardBreakdown(
        [
            new RewardTerm("format", RewardKind.Process, 0, 0.2),
            new RewardTerm("tool_call", RewardKind.Process, 0, 0.1),
            new RewardTerm("numeric_match", RewardKind.Outcome, 1, 1),
        ]);
        recorder.Step(
            new AgentAction("<answer>5</answer>", [1, 2], [-0.3f, -0.1f]),
            new StepResult([], breakdown.Total, breakdown, true, false, StopReason.Answered,
                StepInfo.Empty.With("turn", 3).With(StepInfo.IsSuccess, true).With("expected_answer", "5"), []));
        return recorder.Complete(timings);
    }

    [Fact]
    public void Serialize_deserialize_serialize_gives_identical_text()
    {
        var first = TrajectoryJson.Serialize(Sample());

        var again = TrajectoryJson.Serialize(TrajectoryJson.Deserialize(first));

        again.Should().Be(first);
        first.Should().NotContain("\n", "a record is one line of a JSONL file");
    }

    [Fact]
    public void Round_trips_timings_when_present()
    {
        var first = TrajectoryJson.Serialize(Sample(new EpisodeTimings(12.5, 3.25, 0.125)));

        var read = TrajectoryJson.Deserialize(first);

        read.Timings.Should().Be(new EpisodeTimings(12.5, 3.25, 0.125));
        TrajectoryJson.Serialize(read).Should().Be(first);
        TrajectoryJson.Serialize(Sample()).Should().NotContain("timings");
    }

    [Fact]
    public void Keeps_token_ids_log_probs_and_tool_calls_exactly()
    {
        var read = TrajectoryJson.Deserialize(TrajectoryJson.Serialize(Sample()));

        var action = read.Turns[0].Action;
        action.TokenIds.Should().Equal(151644, 77, 0, -1);
        action.LogProbs.Should().Equal(-0.125f, -1.5e-7f, 0f, -12.75f);
        read.Turns[1].Action.TokenIds.Should().BeNull();
        read.Turns[1].FormatError.Should().Be("<answer> at character 1 is never closed");

        var calls = read.Turns[0].ToolCalls;
        calls.Should().HaveCount(2);
        calls[0].Call.Name.Should().Be("calculator");
        calls[0].Result.Should().Be(ToolResult.Ok("5"));
        calls[1].Result.Should().Be(new ToolResult("timed out after 100 ms", ToolErrorKind.TimedOut));
        calls[1].Call.Arguments.GetProperty("nested").GetProperty("deep")[1].GetDouble().Should().Be(2.5);
    }

    [Fact]
    public void Keeps_episode_fields_rewards_and_info()
    {
        var original = Sample();

        var read = TrajectoryJson.Deserialize(TrajectoryJson.Serialize(original));

        read.Should().BeEquivalentTo(original, o => o
            .Excluding(r => r.Turns)
            .Excluding(r => r.ResetInfo)
            .Excluding(r => r.Prompt));
        read.Prompt.Should().Equal(original.Prompt);
        read.ResetInfo.Get("seed", 0L).Should().Be(-42);
        read.ResetInfo.Get<string[]>("tags", []).Should().Equal("a", "b");
        read.Turns.Select(t => t.Reward).Should().Equal(original.Turns.Select(t => t.Reward));
        read.Turns[2].Breakdown.Terms.Should().Equal(original.Turns[2].Breakdown.Terms);
        read.Turns[2].Breakdown.Total.Should().Be(original.Turns[2].Breakdown.Total);
        read.Turns[2].Info.Get(StepInfo.IsSuccess, false).Should().BeTrue();
        read.Turns[2].StopReason.Should().Be(StopReason.Answered);
        read.Turns.Select(t => t.Observation.Count).Should().Equal(2, 1, 0);
        read.Turns[0].Observation[1].Should().Be(ChatMessage.Tool("search", "Error: timed out after 100 ms"));
        read.Success.Should().BeTrue();
        read.TotalReward.Should().BeApproximately(0.8, 1e-12);
    }

    [Fact]
    public void Writes_snake_case_names_readable_tags_and_reward_values()
    {
        var json = TrajectoryJson.Serialize(Sample());
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        root.GetProperty("environment_id").GetString().Should().Be("test/secret-number-v0");
        root.GetProperty("stop_reason").GetString().Should().Be("answered");
        root.GetProperty("status").GetString().Should().Be("completed");
        var turn = root.GetProperty("turns")[0];
        turn.GetProperty("action").GetProperty("token_ids").GetArrayLength().Should().Be(4);
        turn.GetProperty("tool_calls")[1].GetProperty("error").GetString().Should().Be("timed_out");
        turn.GetProperty("tool_calls")[0].GetProperty("arguments").GetProperty("expression").GetString().Should().Be("2 + 3");
        var term = root.GetProperty("turns")[2].GetProperty("breakdown")[2];
        term.GetProperty("name").GetString().Should().Be("numeric_match");
        term.GetProperty("kind").GetString().Should().Be("outcome");
        term.GetProperty("value").GetDouble().Should().Be(1);
        json.Should().Contain("<think>add</think>", "action tags stay readable in rollout files").And.Contain("«vite»");
    }

    [Fact]
    public void Round_trips_control_characters_and_replaces_a_lone_surrogate()
    {
        var recorder = new EpisodeRecorder(0, "a/b-v0", 0, "p");
        recorder.Reset(new ResetResult([ChatMessage.User("go")], StepInfo.Empty));
        recorder.Step(
            new AgentAction("\u0000\uFFFF\uD800 <<<>>> ]]> \"quoted\" \\ \t"),
            new StepResult([ChatMessage.User("Invalid action")], -1, new RewardBreakdown([new RewardTerm("format", RewardKind.Process, -1, 1)]), false, true, StopReason.MaxTurns, StepInfo.Empty, [], "bad"));
        var first = TrajectoryJson.Serialize(recorder.Complete());

        // JSON cannot carry a lone surrogate: the writer replaces it with U+FFFD (escaped the first time,
        // literal once it is a real character), so the text is stable from the first round trip on.
        var read = TrajectoryJson.Deserialize(first).Turns[0].Action.Text;
        read.Should().Be("\u0000\uFFFF\uFFFD <<<>>> ]]> \"quoted\" \\ \t");
        var second = TrajectoryJson.Serialize(TrajectoryJson.Deserialize(first));
        TrajectoryJson.Serialize(TrajectoryJson.Deserialize(second)).Should().Be(second);
    }

    [Fact]
    public void Rejects_a_json_null_line()
    {
        var read = () => TrajectoryJson.Deserialize("null");

        read.Should().Throw<JsonException>().WithMessage("*JSON null*");
    }

    // The reflection serializer over the same options is the reference the hand-written writer must match.
    private static string Reference(EpisodeRecord record) => JsonSerializer.Serialize(record, TrajectoryJson.Options);

    [Fact]
    public void Writes_the_reflection_serializers_bytes_for_every_kind_of_field()
    {
        var samples = new[]
        {
            Sample(),
            Sample(new EpisodeTimings(12.5, 1e-7, 123456789.125)),
            Sample() with { Error = "the policy threw: «boom» <tag> \"quoted\"", Status = EpisodeStatus.Failed, StopReason = StopReason.Error },
            Sample() with { Status = EpisodeStatus.Cancelled, StopReason = StopReason.Cancelled, TotalReward = -1e-7 },
            Sample() with { Turns = [] },
            Sample() with { StopReason = (StopReason)42, Status = (EpisodeStatus)7 },
        };

        foreach (var record in samples)
        {
            TrajectoryJson.Serialize(record).Should().Be(Reference(record));
        }
    }

    [Fact]
    public void Writes_the_reflection_serializers_bytes_for_context_data_and_odd_values()
    {
        var recorder = new EpisodeRecorder(3, "a/b-v0", long.MinValue, "p\u00e9");
        recorder.Reset(new ResetResult(
            [ChatMessage.User("x\u2028y \U0001F600 \u0007")],
            StepInfo.Empty.With("z", 1.5e300).With("a", "ü").With("nested", new { Deep = new[] { 1e-7, -0.0 } })));
        var data = JsonDocument.Parse("""{"docs":[{"id":"d1","score":0.000001}]}""").RootElement.Clone();
        recorder.Step(
            new AgentAction("<think>x</think>go", [], [float.Epsilon, -3.4e38f]),
            new StepResult(
                [new ChatMessage(ChatRole.Tool, "r", null), new ChatMessage((ChatRole)9, "odd role", "n")],
                1e-7 * 3,
                new RewardBreakdown([new RewardTerm("f", RewardKind.Outcome, 1e-7, 3)]),
                false, false, StopReason.None, StepInfo.Empty,
                [
                    new ToolInvocation(new ToolCall("search", default), new ToolResult("r", (ToolErrorKind)99) { Data = data }),
                    new ToolInvocation(new ToolCall("s", data), new ToolResult("", ToolErrorKind.UnknownTool)),
                ]));
        var record = recorder.Complete();
        record = record with
        {
            Turns = [record.Turns[0] with { Context = [ContextSegment.Prompt(0), ContextSegment.Action(0, thinkStripped: true), new ContextSegment(0, (ContextSource)5, 2)], ContextTokens = 17 }],
        };

        TrajectoryJson.Serialize(record).Should().Be(Reference(record));
        TrajectoryJson.SerializeToUtf8Line(record).Should().Equal([.. System.Text.Encoding.UTF8.GetBytes(Reference(record)), (byte)'\n']);
    }

    [Fact]
    public void Fails_on_a_non_finite_number_as_the_reflection_serializer_does()
    {
        var record = Sample() with { TotalReward = double.NaN };
        var logProbs = Sample();
        logProbs = logProbs with { Turns = [logProbs.Turns[0] with { Action = new AgentAction("a", null, [float.NegativeInfinity]) }] };

        foreach (var bad in new[] { record, logProbs })
        {
            var expected = ((Action)(() => Reference(bad))).Should().Throw<ArgumentException>().Which;
            var serialize = () => TrajectoryJson.Serialize(bad);
            serialize.Should().Throw<ArgumentException>().WithMessage(expected.Message);
        }

        // A failed line leaves nothing behind for the next one on the same thread.
        TrajectoryJson.Serialize(Sample()).Should().Be(Reference(Sample()));
    }

    [Fact]
    public void Writes_long_prompt_texts_as_the_reflection_serializer_does_when_they_repeat()
    {
        var system = string.Concat(Enumerable.Repeat("Use \"<tool_call>\" «tags» & \\ back\nslash\t\u0001 😀. ", 12));
        var broken = system + "\uD800 half a pair";
        foreach (var prompt in new[] { system, system, broken, broken, new string(system), system })
        {
            var recorder = new EpisodeRecorder(0, "a/b-v0", 1, "p");
            recorder.Reset(new ResetResult([ChatMessage.System(prompt), ChatMessage.User(prompt + "!")], StepInfo.Empty));
            var record = recorder.Complete();

            TrajectoryJson.Serialize(record).Should().Be(Reference(record));
        }
    }

    [Fact]
    public void Writes_reward_numbers_as_the_reflection_serializer_does_whatever_their_value()
    {
        var random = new Random(77);
        var values = new List<double> { 0, -0.0, 1, -1, 0.1, 0.2, 1e-7, -1e-7, 5e-324, 1.7976931348623157e308, 0.30000000000000004, 1e16, 123456.789 };
        values.AddRange(Enumerable.Range(0, 300).Select(_ => Math.Round(random.NextDouble() * 4 - 2, random.Next(0, 16))));
        values.AddRange(Enumerable.Range(0, 300).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64()) is var d && double.IsFinite(d) ? d : 0.5));
        var template = Sample();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i + 1 < values.Count; i += 2)
            {
                var term = new RewardTerm("t", RewardKind.Process, values[i], values[i + 1]);
                var turn = template.Turns[0] with { Reward = values[i + 1], Breakdown = new RewardBreakdown(double.IsFinite(term.Value) ? [term] : []) };
                var record = template with { Turns = [turn] };

                TrajectoryJson.Serialize(record).Should().Be(Reference(record), $"raw {values[i]:R}, weight {values[i + 1]:R}");
            }
        }

        var nan = template with { Turns = [template.Turns[0] with { Reward = double.NaN }] };
        var expected = ((Action)(() => Reference(nan))).Should().Throw<ArgumentException>().Which;
        ((Action)(() => TrajectoryJson.Serialize(nan))).Should().Throw<ArgumentException>().WithMessage(expected.Message);
    }
}
