using System.Globalization;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Environments.ToolUse.Arithmetic;
using Gym.Environments.ToolUse.Calculator;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

public sealed class ArithmeticEnvironmentTests
{
    private const long Seed = 20_240_601;

    private static async Task<(ArithmeticEnvironment Environment, ArithmeticProblem Problem, ResetResult Reset)> StartAsync(params string[] parameters)
    {
        var environment = (ArithmeticEnvironment)new EnvironmentRegistry().AddToolUse().Make(ToolUseEnvironments.Arithmetic, EnvironmentParameters.Parse(parameters));
        var reset = await environment.ResetAsync(Seed);
        var options = environment.Options;
        return (environment, ArithmeticGenerator.Generate(Seed, options.Digits, options.Operations, options.Distractors), reset);
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string CalculatorCall(string expression) =>
        $$$"""<tool_call>{"name": "calculator", "arguments": {"expression": "{{{expression}}}"}}</tool_call>""";

    private static RewardTerm Term(StepResult step, string name) => step.Breakdown.Find(name) ?? throw new InvalidOperationException($"no '{name}' component in {string.Join(", ", step.Breakdown.Terms.Select(t => t.Name))}");

    [Fact]
    public async Task Reset_shows_the_system_prompt_with_the_tool_and_the_generated_problem()
    {
        var (environment, problem, reset) = await StartAsync();

        reset.Observation.Should().HaveCount(2);
        reset.Observation[0].Role.Should().Be(ChatRole.System);
        reset.Observation[0].Content.Should().Contain("\"name\":\"calculator\"").And.Contain($"at most {environment.MaxTurns} turns").And.Contain("<tool_call>");
        reset.Observation[1].Should().Be(ChatMessage.User(problem.Text));
        reset.Info.Get("seed", 0L).Should().Be(Seed);
        reset.Info.Get("operations", 0).Should().Be(3);
        reset.Info.Get("digits", 0).Should().Be(3);
        reset.Info.Get("distractors", -1).Should().Be(1);
        reset.Info.Get("max_turns", 0).Should().Be(7);
    }

    [Fact]
    public async Task A_correct_answer_scores_numeric_match_one_and_succeeds()
    {
        var (environment, problem, _) = await StartAsync();

        var step = await environment.StepAsync($"<think>done</think><answer>{N(problem.Answer)}</answer>");

        Term(step, ArithmeticEnvironment.OutcomeComponent).Should().Be(new RewardTerm("numeric_match", RewardKind.Outcome, 1, 1));
        Term(step, ToolEnvironment.FormatComponent).Raw.Should().Be(0);
        Term(step, ToolEnvironment.ToolCallComponent).Raw.Should().Be(0);
        step.Reward.Should().Be(1.0);
        step.Breakdown.Outcome.Should().Be(1.0);
        step.Info.Get(StepInfo.IsSuccess, false).Should().BeTrue();
        step.Info.Get("expected_answer", "").Should().Be(N(problem.Answer));
        step.Terminated.Should().BeTrue();
        step.Truncated.Should().BeFalse();
        step.StopReason.Should().Be(StopReason.Answered);
        step.FormatError.Should().BeNull();
        step.Observation.Should().BeEmpty();
    }

    [Fact]
    public async Task A_correct_answer_written_with_separators_or_a_trailing_period_still_matches()
    {
        var (environment, problem, _) = await StartAsync();

        var step = await environment.StepAsync($"<answer>= {problem.Answer.ToString("N0", CultureInfo.InvariantCulture)}.</answer>");

        step.Info.Get(StepInfo.IsSuccess, false).Should().BeTrue();
    }

    [Fact]
    public async Task A_wrong_answer_scores_zero_and_ends_the_episode()
    {
        var (environment, problem, _) = await StartAsync();

        var step = await environment.StepAsync($"<answer>{N(problem.Answer + 1)}</answer>");

        Term(step, ArithmeticEnvironment.OutcomeComponent).Raw.Should().Be(0);
        step.Reward.Should().Be(0);
        step.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse();
        step.Terminated.Should().BeTrue();
        step.StopReason.Should().Be(StopReason.Answered);
    }

    [Fact]
    public async Task A_malformed_action_scores_format_minus_one_and_explains_the_problem()
    {
        var (environment, _, _) = await StartAsync();

        var step = await environment.StepAsync("<answer>42");

        Term(step, ToolEnvironment.FormatComponent).Should().Be(new RewardTerm("format", RewardKind.Process, -1, 0.2));
        Term(step, ToolEnvironment.ToolCallComponent).Raw.Should().Be(0);
        step.Breakdown.Find(ArithmeticEnvironment.OutcomeComponent).Should().BeNull("the episode goes on");
        step.Reward.Should().BeApproximately(-0.2, 1e-12);
        step.FormatError.Should().StartWith("<answer> at character 1 is never closed with </answer>");
        step.Observation.Should().ContainSingle().Which.Should().Be(ChatMessage.User($"Invalid action: {step.FormatError}"));
        step.FormatError.Should().Contain("Expected: optionally <think>");
        step.IsDone.Should().BeFalse();
        step.ToolCalls.Should().BeEmpty();
    }

    [Fact]
    public async Task An_action_over_the_length_limit_is_malformed()
    {
        var (environment, problem, _) = await StartAsync();

        var step = await environment.StepAsync($"<answer>{N(problem.Answer)}</answer>" + new string(' ', 5000));

        Term(step, ToolEnvironment.FormatComponent).Raw.Should().Be(-1);
        step.FormatError.Should().Contain("the limit is 4096");
        step.IsDone.Should().BeFalse("an overlong action is not read, even if it holds the right answer");
    }

    [Fact]
    public async Task A_valid_calculator_call_scores_tool_call_one_and_returns_the_exact_result()
    {
        var (environment, _, _) = await StartAsync();

        var step = await environment.StepAsync(CalculatorCall("(4512 + 317) * 3 / 2"));

        Term(step, ToolEnvironment.ToolCallComponent).Should().Be(new RewardTerm("tool_call", RewardKind.Process, 1, 0.1));
        Term(step, ToolEnvironment.FormatComponent).Raw.Should().Be(0);
        step.Reward.Should().BeApproximately(0.1, 1e-12);
        step.Observation.Should().Equal(ChatMessage.Tool("calculator", "7243.5"));
        var call = step.ToolCalls.Should().ContainSingle().Subject;
        call.Call.Name.Should().Be("calculator");
        call.Result.Should().Be(ToolResult.Ok("7243.5"));
        step.IsDone.Should().BeFalse();
        step.StopReason.Should().Be(StopReason.None);
    }

    [Fact]
    public async Task A_bad_expression_scores_tool_call_minus_one_with_an_error_message()
    {
        var (environment, _, _) = await StartAsync();
        var expected = ExpressionEvaluator.Evaluate("12 / (3 - 3)").Format();

        var step = await environment.StepAsync(CalculatorCall("12 / (3 - 3)"));

        Term(step, ToolEnvironment.ToolCallComponent).Raw.Should().Be(-1);
        Term(step, ToolEnvironment.FormatComponent).Raw.Should().Be(0, "the action itself is well-formed");
        step.Reward.Should().BeApproximately(-0.1, 1e-12);
        step.Observation.Should().Equal(ChatMessage.Tool("calculator", $"Error: {expected}"));
        step.ToolCalls.Should().ContainSingle().Which.Result.Error.Should().Be(ToolErrorKind.ToolError);
        step.FormatError.Should().BeNull();
    }

    [Fact]
    public async Task Unknown_tools_and_bad_arguments_are_tool_errors_not_format_errors()
    {
        var (environment, _, _) = await StartAsync();

        var step = await environment.StepAsync("""
            <tool_call>{"name": "abacus", "arguments": {"expression": "1+1"}}</tool_call>
            <tool_call>{"name": "calculator", "arguments": {"expr": "1+1"}}</tool_call>
            """);

        step.Observation.Should().Equal(
            ChatMessage.Tool("abacus", "Error: unknown tool 'abacus'; available tools: calculator"),
            ChatMessage.Tool("calculator", "Error: invalid arguments for 'calculator': arguments is missing the required parameter 'expression'"));
        Term(step, ToolEnvironment.ToolCallComponent).Raw.Should().Be(-1);
        step.FormatError.Should().BeNull();
    }

    [Fact]
    public async Task Mixed_good_and_bad_calls_score_the_share_that_succeeded_minus_the_share_that_failed()
    {
        var (environment, _, _) = await StartAsync();

        var step = await environment.StepAsync(CalculatorCall("1 + 1") + CalculatorCall("2 * 3") + CalculatorCall("4 +") + CalculatorCall("5 - 1"));

        Term(step, ToolEnvironment.ToolCallComponent).Raw.Should().Be(0.5, "3 of 4 succeeded: 3/4 - 1/4");
        step.Observation.Select(m => m.Content).Should().HaveCount(4).And.StartWith(["2", "6"]);
        step.Observation[2].Content.Should().StartWith("Error: ");
        step.Observation[3].Content.Should().Be("4");
    }

    [Fact]
    public async Task The_xml_tag_format_runs_the_same_calculator()
    {
        var (environment, _, reset) = await StartAsync("format=xml-tags");

        var step = await environment.StepAsync("<think>first</think><calculator>12 * 12</calculator>");

        reset.Observation[0].Content.Should().Contain("<calculator>input</calculator>");
        step.Observation.Should().Equal(ChatMessage.Tool("calculator", "144"));
        Term(step, ToolEnvironment.ToolCallComponent).Raw.Should().Be(1);
    }

    [Fact]
    public async Task Truncation_at_max_turns_records_the_outcome_component_with_raw_zero()
    {
        var (environment, _, _) = await StartAsync("max_turns=2");
        environment.MaxTurns.Should().Be(2);

        var first = await environment.StepAsync(CalculatorCall("1 + 1"));
        var last = await environment.StepAsync(CalculatorCall("2 + 2"));

        first.IsDone.Should().BeFalse();
        first.Breakdown.Find(ArithmeticEnvironment.OutcomeComponent).Should().BeNull();
        last.Truncated.Should().BeTrue();
        last.Terminated.Should().BeFalse();
        last.StopReason.Should().Be(StopReason.MaxTurns);
        Term(last, ArithmeticEnvironment.OutcomeComponent).Should().Be(new RewardTerm("numeric_match", RewardKind.Outcome, 0, 1));
        Term(last, ToolEnvironment.ToolCallComponent).Raw.Should().Be(1, "the last turn's own call still counts");
        last.Reward.Should().BeApproximately(0.1, 1e-12);
        last.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse();
        last.Observation.Should().Equal(ChatMessage.Tool("calculator", "4"));
    }

    [Fact]
    public async Task An_answer_on_the_last_turn_terminates_instead_of_truncating()
    {
        var (environment, problem, _) = await StartAsync("max_turns=1");

        var step = await environment.StepAsync($"<answer>{N(problem.Answer)}</answer>");

        step.Terminated.Should().BeTrue();
        step.Truncated.Should().BeFalse();
        step.StopReason.Should().Be(StopReason.Answered);
        step.Breakdown.Terms.Count(t => t.Name == ArithmeticEnvironment.OutcomeComponent).Should().Be(1);
        step.Info.Get(StepInfo.IsSuccess, false).Should().BeTrue();
    }

    [Fact]
    public async Task Info_counts_turns_from_zero()
    {
        var (environment, _, _) = await StartAsync();

        var first = await environment.StepAsync("x");
        var second = await environment.StepAsync("y");

        first.Info.Get("turn", -1).Should().Be(0);
        second.Info.Get("turn", -1).Should().Be(1);
    }

    [Theory]
    [InlineData("difficulty=6", "parameter 'difficulty' must be between 1 and 5 (got 6)")]
    [InlineData("digits=0", "parameter 'digits' must be between 1 and 9 (got 0)")]
    [InlineData("format=yaml", "parameter 'format' must be one of json-tool-calls, xml-tags (got 'yaml')")]
    [InlineData("wording=poem", "parameter 'wording' must be one of story, expression (got 'poem')")]
    [InlineData("turns=3", "unknown parameter 'turns' for tool-use/arithmetic-v0 (known: difficulty, digits, distractors, format, max_turns, operations, tool_timeout_ms, wording)")]
    public void Rejects_bad_parameters_with_a_precise_message(string parameter, string message)
    {
        var make = () => new EnvironmentRegistry().AddToolUse().Make(ToolUseEnvironments.Arithmetic, EnvironmentParameters.Parse([parameter]));

        make.Should().Throw<EnvironmentParameterException>().WithMessage(message);
    }

    [Theory]
    [InlineData(ToolUseEnvironments.ArithmeticEasy, 2, 1, 0, 5)]
    [InlineData(ToolUseEnvironments.Arithmetic, 3, 3, 1, 7)]
    [InlineData(ToolUseEnvironments.ArithmeticHard, 5, 6, 3, 10)]
    public void Each_id_has_its_difficulty_preset(string id, int digits, int operations, int distractors, int maxTurns)
    {
        var environment = (ArithmeticEnvironment)new EnvironmentRegistry().AddToolUse().Make(id);

        environment.Id.Should().Be(id);
        (environment.Options.Digits, environment.Options.Operations, environment.Options.Distractors).Should().Be((digits, operations, distractors));
        environment.MaxTurns.Should().Be(maxTurns);
    }

    [Fact]
    public void Parameters_override_the_preset()
    {
        var environment = (ArithmeticEnvironment)new EnvironmentRegistry().AddToolUse().Make(
            ToolUseEnvironments.ArithmeticEasy,
            EnvironmentParameters.Parse(["difficulty=4", "operations=2", "tool_timeout_ms=250"]));

        (environment.Options.Digits, environment.Options.Operations, environment.Options.Distractors).Should().Be((4, 2, 2));
        environment.MaxTurns.Should().Be(6, "the default turn limit follows the operation count");
        environment.Settings.EffectiveToolTimeout.Should().Be(TimeSpan.FromMilliseconds(250));
    }

    [Theory]
    [InlineData("digits=1", "operations=2")]
    [InlineData("digits=4", "operations=5", "distractors=2")]
    [InlineData("digits=3", "operations=3", "wording=expression")]
    public void Planned_calls_carry_the_arguments_the_serializer_writes_for_the_expression(params string[] parameters)
    {
        var environment = (ArithmeticEnvironment)new EnvironmentRegistry().AddToolUse().Make(ToolUseEnvironments.Arithmetic, EnvironmentParameters.Parse(parameters));
        var options = environment.Options;
        var relaxed = new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        for (var seed = 0L; seed < 300; seed++)
        {
            var plan = ((ITaskSource)environment).CreateTask(seed).Plan!;
            var steps = ArithmeticGenerator.Generate(seed, options.Digits, options.Operations, options.Distractors, options.Wording).Steps;
            var calls = plan.Stages.Single().Calls;
            calls.Should().HaveCount(steps.Count);
            for (var i = 0; i < steps.Count; i++)
            {
                var reference = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["expression"] = steps[i].Expression }, relaxed);
                calls[i].Call.Arguments.GetRawText().Should().Be(reference, $"seed {seed}, call {i}");
                calls[i].Call.ArgumentsJson.Should().Be(reference);
            }
        }
    }
}
