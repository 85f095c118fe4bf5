using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse.Arithmetic;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

public sealed class ArithmeticExpertTests
{
    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddToolUse();

    private static (IEnvironment Environment, IPolicy Expert) Make(int difficulty, string format, double errorRate)
    {
        string[] pairs = [$"difficulty={difficulty}", $"format={format}"];
        var environment = Registry.Make(ToolUseEnvironments.Arithmetic, EnvironmentParameters.Parse(pairs));
        var expert = Registry.Get(ToolUseEnvironments.Arithmetic).CreateExpert!(EnvironmentParameters.Parse(pairs), new ExpertSettings(errorRate));
        return (environment, expert);
    }

    private static async Task<List<EpisodeRecord>> RunAsync(int difficulty, string format, double errorRate, int seeds)
    {
        var (environment, expert) = Make(difficulty, format, errorRate);
        var records = new List<EpisodeRecord>(seeds);
        for (var seed = 0; seed < seeds; seed++)
        {
            records.Add(await EpisodeRunner.RunAsync(environment, expert, seed, seed));
        }

        return records;
    }

    [Theory]
    [InlineData("json-tool-calls")]
    [InlineData("xml-tags")]
    public async Task Without_errors_it_solves_every_seed_at_every_difficulty_within_the_turn_limit(string format)
    {
        for (var difficulty = 1; difficulty <= 5; difficulty++)
        {
            var (environment, _) = Make(difficulty, format, 0);
            var operations = ((ArithmeticEnvironment)environment).Options.Operations;

            var records = await RunAsync(difficulty, format, 0, 200);

            var failures = records.Where(r => !r.Success).Select(r => r.Seed).ToList();
            failures.Should().BeEmpty($"difficulty {difficulty} ({format}) should be solved on every seed");
            records.Should().OnlyContain(r => r.Terminated && !r.Truncated && r.StopReason == StopReason.Answered);
            records.Should().OnlyContain(r => r.Turns.Count == operations + 1 && r.Turns.Count <= environment.MaxTurns, "one call per operation, then the answer");
            records.SelectMany(r => r.Turns).Should().OnlyContain(t => t.FormatError == null && t.ToolCalls.All(c => !c.Result.IsError));
        }
    }

    [Fact]
    public async Task Its_json_actions_read_like_a_model_would_write_them()
    {
        var records = await RunAsync(3, "json-tool-calls", 0, 1);

        var action = records[0].Turns[0].Action.Text;
        action.Should().StartWith("<think>[plan 0/4] Step 1 of 3: ").And.Contain("<tool_call>{\"name\":\"calculator\",\"arguments\":{\"expression\":\"");
        action.Should().NotContain("\\u00", "operators stay literal, not JSON-escaped");
    }

    [Fact]
    public async Task With_errors_it_succeeds_less_often_but_still_sometimes_and_stays_deterministic()
    {
        var perfect = await RunAsync(3, "json-tool-calls", 0, 200);
        var sloppy = await RunAsync(3, "json-tool-calls", 0.3, 200);
        var again = await RunAsync(3, "json-tool-calls", 0.3, 200);

        var perfectRate = perfect.Count(r => r.Success) / 200.0;
        var sloppyRate = sloppy.Count(r => r.Success) / 200.0;
        sloppyRate.Should().BeLessThan(perfectRate).And.BeGreaterThan(0);
        sloppy.Should().Contain(r => r.Turns.Any(t => t.FormatError != null), "malformed actions are among its mistakes");
        sloppy.Should().Contain(r => r.Turns.Any(t => t.ToolCalls.Any(c => !c.Result.IsError)) && r.Turns.Count > 4, "it recovers from mistakes and keeps going");
        sloppy.Select(TrajectoryJson.Serialize).Should().Equal(again.Select(TrajectoryJson.Serialize), "the same seed gives the same mistakes");
        sloppy.Select(r => r.PolicyId).Distinct().Should().Equal("expert:0.3");
    }

    [Fact]
    public async Task A_different_expert_seed_makes_different_mistakes()
    {
        var (environment, _) = Make(3, "json-tool-calls", 0.3);
        var parameters = EnvironmentParameters.Parse(["difficulty=3"]);
        var descriptor = Registry.Get(ToolUseEnvironments.Arithmetic);
        var a = descriptor.CreateExpert!(parameters, new ExpertSettings(0.3, Seed: 1));
        var b = descriptor.CreateExpert!(parameters, new ExpertSettings(0.3, Seed: 2));

        var differ = 0;
        for (var seed = 0; seed < 20; seed++)
        {
            var first = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(environment, a, 0, seed));
            var second = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(environment, b, 0, seed));
            differ += first == second ? 0 : 1;
        }

        differ.Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData("json-tool-calls")]
    [InlineData("xml-tags")]
    public async Task With_error_rate_one_it_never_crashes_and_every_episode_ends(string format)
    {
        for (var difficulty = 1; difficulty <= 5; difficulty++)
        {
            var (environment, _) = Make(difficulty, format, 1.0);

            var records = await RunAsync(difficulty, format, 1.0, 50);

            records.Should().OnlyContain(r => r.Status == EpisodeStatus.Completed && (r.Terminated || r.Truncated));
            records.Should().OnlyContain(r => r.Turns.Count <= environment.MaxTurns);
            records.Count(r => r.Success).Should().BeLessThan(5, "every turn is a deliberate mistake");
        }
    }

    [Fact]
    public void Recovers_progress_from_its_latest_state_and_the_observation_after_it()
    {
        var environment = new ArithmeticEnvironment("t", ArithmeticOptions.From(EnvironmentParameters.None, 3));
        var plan = ((ITaskSource)environment).CreateTask(5).Plan!;
        var parser = new JsonToolCallActionParser();
        string Call(int done, string expression) =>
            $$$"""<think>[plan {{{done}}}/4] step</think><tool_call>{"name": "calculator", "arguments": {"expression": "{{{expression}}}"}}</tool_call>""";
        var first = plan.Stages[0].Calls[0];
        var second = plan.Stages[0].Calls[1];
        var expression = first.Call.Arguments.GetProperty("expression").GetString()!;
        var expression2 = second.Call.Arguments.GetProperty("expression").GetString()!;
        ChatMessage[] prompt = [ChatMessage.System("s"), ChatMessage.User("t")];

        PlanExpert.Progress(plan, parser, prompt).Should().Be(0);
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant(Call(0, expression)), ChatMessage.Tool("calculator", first.ExpectedResult)]).Should().Be(1);
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant(Call(0, expression)), ChatMessage.Tool("calculator", "Error: service temporarily unavailable")]).Should().Be(0, "a failed call is retried");
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant(Call(0, expression)), ChatMessage.Tool("calculator", "-1")]).Should().Be(0, "a wrong value is retried");
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant(Call(1, expression2)), ChatMessage.Tool("calculator", second.ExpectedResult), ChatMessage.User("Note: the correct value is 3")]).Should().Be(2, "only tool results count");
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant("<think>[plan 2/4] x</think><answer>1"), ChatMessage.User("Invalid action: …")]).Should().Be(2, "a malformed action repeats its step");
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant("<think>[plan 2/9] x</think><answer>1</answer>")]).Should().Be(0, "a state for another plan is not ours");
        PlanExpert.Progress(plan, parser, [.. prompt, ChatMessage.Assistant("no state"), ChatMessage.Tool("calculator", first.ExpectedResult)]).Should().Be(0);
    }

    [Fact]
    public async Task Answers_a_batch_of_requests_in_order()
    {
        var (environment, expert) = Make(1, "json-tool-calls", 0);
        var first = await environment.ResetAsync(1);
        var second = await environment.ResetAsync(2);

        var actions = await expert.ActAsync([new PolicyRequest("a", 1, 0, first.Observation), new PolicyRequest("b", 2, 0, second.Observation)], CancellationToken.None);

        actions.Should().HaveCount(2);
        var parser = new JsonToolCallActionParser();
        var expected1 = ArithmeticGenerator.Generate(1, 2, 1, 0).Steps[0].Expression;
        var expected2 = ArithmeticGenerator.Generate(2, 2, 1, 0).Steps[0].Expression;
        parser.Parse(actions[0].Text).ToolCalls[0].Arguments.GetProperty("expression").GetString().Should().Be(expected1);
        parser.Parse(actions[1].Text).ToolCalls[0].Arguments.GetProperty("expression").GetString().Should().Be(expected2);
        expert.Id.Should().Be("expert");
    }
}
