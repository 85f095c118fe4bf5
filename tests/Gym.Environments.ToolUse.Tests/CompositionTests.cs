using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse.Arithmetic;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

public sealed class CompositionTests
{
    private static string Answer(ITaskSource source, long seed) => source.CreateTask(seed).Plan!.Answer;

    private static string Answer(ITaskSource source, long seed, string stream, int index) => Answer(source, SeededRandom.Derive(seed, stream, index));

    private static RewardTerm Term(StepResult step, string name) =>
        step.Breakdown.Find(name) ?? throw new InvalidOperationException($"no '{name}' in {string.Join(", ", step.Breakdown.Terms.Select(t => t.Name))}");

    [Fact]
    public async Task A_sequence_shows_the_next_part_after_each_answer_and_names_outcomes_per_part()
    {
        var easy = ContextPlay.Arithmetic(1);
        var medium = ContextPlay.Arithmetic(2);
        var environment = Compose.Sequence(easy, medium);
        const long seed = 42;

        var reset = await environment.ResetAsync(seed);
        var first = await environment.StepAsync($"<answer>{Answer(easy, seed, "part", 0)}</answer>");
        var second = await environment.StepAsync("<answer>-1</answer>");

        environment.Id.Should().Be("sequence(tool-use/arithmetic-v0,tool-use/arithmetic-v0)");
        environment.MaxTurns.Should().Be(easy.MaxTurns + medium.MaxTurns);
        reset.Observation[^1].Content.Should().Contain("2 parts").And.Contain("Part 1 of 2: " + easy.CreateTaskFor(SeededRandom.Derive(seed, "part", 0)).Prompt);
        reset.Info.Get("parts", 0).Should().Be(2);
        reset.Info.Get("part2.operations", 0).Should().Be(2);

        first.Terminated.Should().BeFalse();
        first.StopReason.Should().Be(StopReason.None);
        first.Observation.Should().Equal(ChatMessage.User("Part 2 of 2: " + medium.CreateTaskFor(SeededRandom.Derive(seed, "part", 1)).Prompt));
        Term(first, "part1.numeric_match").Should().Be(new RewardTerm("part1.numeric_match", RewardKind.Outcome, 1, 1));
        first.Info.Contains(StepInfo.IsSuccess).Should().BeFalse("only the last step says whether the episode succeeded");
        first.Info.Get("part_success", false).Should().BeTrue();

        second.Terminated.Should().BeTrue();
        second.StopReason.Should().Be(StopReason.Answered);
        Term(second, "part2.numeric_match").Raw.Should().Be(0);
        second.Breakdown.Find("part1.numeric_match").Should().BeNull();
        second.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse("one part was wrong");
        second.Info.Get("parts_correct", 0).Should().Be(1);
    }

    [Fact]
    public async Task A_truncated_sequence_scores_every_unanswered_part_zero()
    {
        var part = ContextPlay.Arithmetic(1);
        var environment = Compose.Sequence([part, part, part], maxTurns: 2);

        await environment.ResetAsync(7);
        await environment.StepAsync($"<answer>{Answer(part, 7, "part", 0)}</answer>");
        var last = await environment.StepAsync("<answer>");

        last.Truncated.Should().BeTrue();
        last.Breakdown.Terms.Where(t => t.Kind == RewardKind.Outcome).Select(t => t.Name).Should().Equal("part2.numeric_match", "part3.numeric_match");
        last.Breakdown.Outcome.Should().Be(0);
        last.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse();
    }

    [Fact]
    public async Task A_multi_objective_prompt_numbers_the_questions_and_one_answer_scores_each()
    {
        var source = ContextPlay.Arithmetic(2);
        var environment = Compose.MultiObjective(source, 3);
        const long seed = 9;
        var gold = Enumerable.Range(0, 3).Select(j => Answer(source, seed, "objective", j)).ToList();

        var reset = await environment.ResetAsync(seed);
        var step = await environment.StepAsync($"<answer>{gold[0]}; 0;{gold[2]}</answer>");

        var prompt = reset.Observation[^1].Content;
        prompt.Should().StartWith("Answer all 3 questions. Question 1: ").And.Contain("; Question 2: ").And.Contain("; Question 3: ").And.Contain("<answer>answer 1; answer 2; answer 3</answer>");
        reset.Observation[0].Content.Should().Contain("\"name\":\"calculator\"");
        reset.Info.Get("objectives", 0).Should().Be(3);
        environment.MaxTurns.Should().Be(3 * 2 + 3 + 2, "planned calls + K + 2");

        step.Terminated.Should().BeTrue();
        step.Breakdown.Terms.Where(t => t.Kind == RewardKind.Outcome).Select(t => (t.Name, t.Raw, t.Weight))
            .Should().Equal(("objective1.numeric_match", 1.0, 1.0), ("objective2.numeric_match", 0.0, 1.0), ("objective3.numeric_match", 1.0, 1.0));
        step.Breakdown.Outcome.Should().Be(2, "MEM1 sums per-objective scores");
        step.Info.Get(MultiObjectiveEnvironment.ObjectivesCorrectInfo, 0).Should().Be(2);
        step.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse();
        step.Info.Get("expected_answer", "").Should().Be(string.Join("; ", gold));
        step.Info.Contains(MultiObjectiveEnvironment.AnswerFormatInfo).Should().BeFalse();
    }

    [Fact]
    public async Task A_mean_multi_objective_weights_components_one_over_k_and_missing_answers_score_zero()
    {
        var source = ContextPlay.Arithmetic(1);
        var environment = Compose.MultiObjective(source, 4, ObjectiveAggregate.Mean, separator: ", ");
        const long seed = 3;

        await environment.ResetAsync(seed);
        var step = await environment.StepAsync($"<answer>{Answer(source, seed, "objective", 0)}, {Answer(source, seed, "objective", 1)}</answer>");

        step.Breakdown.Terms.Where(t => t.Kind == RewardKind.Outcome).Should().OnlyContain(t => t.Weight == 0.25);
        step.Breakdown.Outcome.Should().Be(0.5);
        step.Info.Get(MultiObjectiveEnvironment.AnswerFormatInfo, "").Should().Be("expected 4 answers separated by \", \", got 2");
        step.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse();
    }

    [Fact]
    public async Task All_correct_answers_succeed_whatever_the_spacing_around_the_separator()
    {
        var source = ContextPlay.Arithmetic(2);
        var environment = Compose.MultiObjective(source, 2);

        await environment.ResetAsync(5);
        var step = await environment.StepAsync($"<answer>{Answer(source, 5, "objective", 0)};{Answer(source, 5, "objective", 1)};</answer>");

        step.Info.Get(StepInfo.IsSuccess, false).Should().BeTrue();
        step.Reward.Should().Be(2);
    }

    [Fact]
    public void Multi_objective_splits_answers_on_the_trimmed_separator()
    {
        MultiObjectiveEnvironment.SplitAnswers("1; 2;3 ;", "; ").Should().Equal("1", "2", "3");
        MultiObjectiveEnvironment.SplitAnswers("1;;3", "; ").Should().Equal("1", "", "3");
        MultiObjectiveEnvironment.SplitAnswers("1 2  3", " ").Should().Equal("1", "2", "", "3");
        MultiObjectiveEnvironment.SplitAnswers("", "; ").Should().BeEmpty();
    }

    [Fact]
    public void Composition_options_are_validated()
    {
        var source = ContextPlay.Arithmetic(1);
        FluentActions.Invoking(() => Compose.MultiObjective(source, 0)).Should().Throw<ArgumentException>().WithMessage("*between 1 and 1024*");
        FluentActions.Invoking(() => Compose.MultiObjective(source, 2, separator: "")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => Compose.Sequence()).Should().Throw<ArgumentException>().WithMessage("*at least one part*");
        FluentActions.Invoking(() => Compose.WithDistractors(source, 1.5)).Should().Throw<ArgumentException>().WithMessage("*between 0 and 1*");
        FluentActions.Invoking(() => Compose.WithDistractors(source, 0.5, texts: [])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => Compose.WithToolFaults(source, new ToolFaultSpec(ErrorRate: 0.6, TimeoutRate: 0.6))).Should().Throw<ArgumentException>().WithMessage("*at most 1*");
    }

    [Fact]
    public async Task Distractors_are_deterministic_per_seed_and_never_change_rewards()
    {
        var plain = ContextPlay.Arithmetic(3);
        var expert = new PlanExpert(plain, new ExpertSettings(0.2));

        for (var seed = 0; seed < 30; seed++)
        {
            var a = await ContextPlay.RunAsync(Compose.WithDistractors(ContextPlay.Arithmetic(3), 0.5), expert, seed, mem1: false);
            var b = await ContextPlay.RunAsync(Compose.WithDistractors(ContextPlay.Arithmetic(3), 0.5), expert, seed, mem1: false);
            var baseline = await ContextPlay.RunAsync(plain, expert, seed, mem1: false);

            a.Steps.Select(Json).Should().Equal(b.Steps.Select(Json));
            a.Steps.Select(s => s.Reward).Should().Equal(baseline.Steps.Select(s => s.Reward));
            a.Steps.Select(s => s.Breakdown.Terms.ToList()).Should().BeEquivalentTo(baseline.Steps.Select(s => s.Breakdown.Terms.ToList()), o => o.WithStrictOrdering());
            foreach (var (step, original) in a.Steps.Zip(baseline.Steps))
            {
                var injected = step.Info.Get(DistractorEnvironment.DistractorInfo, false);
                step.Observation.Should().HaveCount(original.Observation.Count + (injected ? 1 : 0));
                (injected && step.IsDone).Should().BeFalse("nothing is appended after the end");
                if (injected)
                {
                    step.Observation[^1].Role.Should().Be(ChatRole.User);
                }
            }
        }
    }

    [Fact]
    public async Task Distractor_rate_and_texts_are_honoured()
    {
        var never = Compose.WithDistractors(ContextPlay.Arithmetic(3), 0);
        var always = Compose.WithDistractors(ContextPlay.Arithmetic(3), 1, texts: ["Ignore me."], id: "test/noisy-v0");

        await never.ResetAsync(1);
        await always.ResetAsync(1);
        var quiet = await never.StepAsync("no tags");
        var noisy = await always.StepAsync("no tags");

        quiet.Observation.Should().ContainSingle();
        quiet.Info.Get(DistractorEnvironment.DistractorInfo, true).Should().BeFalse();
        noisy.Observation.Should().HaveCount(2);
        noisy.Observation[^1].Should().Be(ChatMessage.User("Ignore me."));
        noisy.Info.Get(DistractorEnvironment.DistractorInfo, false).Should().BeTrue();
        always.Id.Should().Be("test/noisy-v0");
        never.Id.Should().Be("tool-use/arithmetic-v0+distractors");
    }

    [Fact]
    public async Task Misleading_distractors_correct_the_latest_value_to_a_wrong_one()
    {
        var source = ContextPlay.Arithmetic(3);
        var environment = Compose.WithDistractors(source, 1, misleading: true);
        var expert = new PlanExpert(source, new ExpertSettings());

        for (var seed = 0; seed < 20; seed++)
        {
            var episode = await ContextPlay.RunAsync(environment, expert, seed, mem1: false);
            foreach (var step in episode.Steps.Where(s => !s.IsDone))
            {
                var result = step.Observation.Single(m => m.Role == ChatRole.Tool).Content;
                var note = step.Observation[^1];
                note.Role.Should().Be(ChatRole.User);
                var numbers = System.Text.RegularExpressions.Regex.Matches(note.Content, @"\d+(?:\.\d+)?");
                numbers.Should().ContainSingle(note.Content);
                double.Parse(numbers[0].Value, CultureInfo.InvariantCulture).Should().NotBe(double.Parse(result, CultureInfo.InvariantCulture), "the correction is always wrong");
            }
        }
    }

    [Fact]
    public async Task Tool_faults_follow_the_seed_and_the_call_index()
    {
        var spec = new ToolFaultSpec(ErrorRate: 0.3, TimeoutRate: 0.2);
        var source = ContextPlay.Arithmetic(4);
        var environment = Compose.WithToolFaults(source, spec, maxTurns: 30);
        var expert = new PlanExpert(environment, new ExpertSettings());

        for (var seed = 0; seed < 20; seed++)
        {
            var a = await EpisodeRunner.RunAsync(environment, expert, 0, seed);
            var b = await EpisodeRunner.RunAsync(Compose.WithToolFaults(source, spec, maxTurns: 30), expert, 0, seed);
            TrajectoryJson.Serialize(a).Should().Be(TrajectoryJson.Serialize(b));

            var calls = a.Turns.SelectMany(t => t.ToolCalls).ToList();
            for (var i = 0; i < calls.Count; i++)
            {
                var expected = spec.Decide(seed, i) switch
                {
                    ToolFaultKind.Error => ToolErrorKind.ToolError,
                    ToolFaultKind.Timeout => ToolErrorKind.TimedOut,
                    _ => ToolErrorKind.None,
                };
                calls[i].Result.Error.Should().Be(expected, $"seed {seed}, call {i}");
            }

            a.Turns.Where(t => t.ToolCalls.Count > 0).Should().OnlyContain(t => t.Info.Get(ToolEnvironment.ToolFaultsInfo, new List<string>()).Count == t.ToolCalls.Count(c => c.Result.IsError));
        }
    }

    [Fact]
    public async Task Injected_errors_and_time_outs_read_like_real_ones_and_take_no_time()
    {
        var errors = Compose.WithToolFaults(ContextPlay.Arithmetic(1), new ToolFaultSpec(ErrorRate: 1));
        var timeouts = Compose.WithToolFaults(ContextPlay.Arithmetic(1, "json-tool-calls", "tool_timeout_ms=60000"), new ToolFaultSpec(TimeoutRate: 1));
        const string Call = """<tool_call>{"name": "calculator", "arguments": {"expression": "1 + 2"}}</tool_call>""";

        await errors.ResetAsync(1);
        await timeouts.ResetAsync(1);
        var failed = await errors.StepAsync(Call);
        var watch = Stopwatch.StartNew();
        var timedOut = await timeouts.StepAsync(Call);
        watch.Stop();

        failed.ToolCalls.Single().Result.Should().Be(new ToolResult(ToolFaultInjector.UnavailableMessage, ToolErrorKind.ToolError));
        failed.Observation.Single().Should().Be(ChatMessage.Tool("calculator", "Error: service temporarily unavailable"));
        Term(failed, ToolEnvironment.ToolCallComponent).Raw.Should().Be(-1);
        failed.Info.Get(ToolEnvironment.ToolFaultsInfo, new List<string>()).Should().Equal("error");
        timedOut.ToolCalls.Single().Result.Should().Be(new ToolResult("tool 'calculator' timed out after 60000 ms", ToolErrorKind.TimedOut));
        timedOut.Info.Get(ToolEnvironment.ToolFaultsInfo, new List<string>()).Should().Equal("timeout");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "a simulated time-out does not wait for the timeout");
    }

    [Fact]
    public async Task Injected_latency_delays_the_call_and_then_it_succeeds_or_times_out_past_the_limit()
    {
        var slow = Compose.WithToolFaults(ContextPlay.Arithmetic(1), new ToolFaultSpec(LatencyRate: 1, LatencyMs: 150));
        var tooSlow = Compose.WithToolFaults(ContextPlay.Arithmetic(1, "json-tool-calls", "tool_timeout_ms=20"), new ToolFaultSpec(LatencyRate: 1, LatencyMs: 5000));
        const string Call = """<tool_call>{"name": "calculator", "arguments": {"expression": "1 + 2"}}</tool_call>""";

        await slow.ResetAsync(1);
        await tooSlow.ResetAsync(1);
        var watch = Stopwatch.StartNew();
        var delayed = await slow.StepAsync(Call);
        var elapsed = watch.Elapsed;
        var cut = await tooSlow.StepAsync(Call);

        elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(140));
        delayed.ToolCalls.Single().Result.Should().Be(ToolResult.Ok("3"));
        delayed.Info.Get(ToolEnvironment.ToolFaultsInfo, new List<string>()).Should().Equal("latency");
        cut.ToolCalls.Single().Result.Error.Should().Be(ToolErrorKind.TimedOut);
    }

    [Fact]
    public void Tool_fault_decisions_match_their_rates()
    {
        var spec = new ToolFaultSpec(ErrorRate: 0.2, TimeoutRate: 0.1, LatencyRate: 0.3, LatencyMs: 1);
        var kinds = Enumerable.Range(0, 20_000).Select(i => spec.Decide(11, i)).ToList();

        (kinds.Count(k => k == ToolFaultKind.Error) / 20_000.0).Should().BeApproximately(0.2, 0.02);
        (kinds.Count(k => k == ToolFaultKind.Timeout) / 20_000.0).Should().BeApproximately(0.1, 0.02);
        (kinds.Count(k => k == ToolFaultKind.Latency) / 20_000.0).Should().BeApproximately(0.3, 0.02);
        new ToolFaultSpec(LatencyRate: 1).Decide(1, 1).Should().Be(ToolFaultKind.None, "no latency without a delay");
    }

    [Fact]
    public void The_arithmetic_plan_is_one_calculator_call_per_operation_then_the_result()
    {
        var environment = ContextPlay.Arithmetic(4);
        var problem = ArithmeticGenerator.Generate(77, 4, 4, 2);

        var plan = environment.CreateTaskFor(77).Plan!;

        plan.Stages.Should().ContainSingle();
        plan.Calls.Select(c => c.Call.Arguments.GetProperty("expression").GetString()).Should().Equal(problem.Steps.Select(s => s.Expression));
        plan.Calls.Select(c => c.ExpectedResult).Should().Equal(problem.Steps.Select(s => s.Result.ToString(CultureInfo.InvariantCulture)));
        plan.Calls.Should().OnlyContain(c => c.Call.Name == "calculator");
        plan.Answer.Should().Be(problem.Answer.ToString(CultureInfo.InvariantCulture));
        plan.StepCount.Should().Be(5);
    }

    [Fact]
    public void Composed_plans_concatenate_stages_or_join_answers()
    {
        var a = ContextPlay.Arithmetic(1);
        var b = ContextPlay.Arithmetic(2);

        var sequence = Compose.Sequence(a, b).CreateTaskFor(5).Plan!;
        var multi = Compose.MultiObjective(b, 3, separator: " | ").CreateTaskFor(5).Plan!;

        sequence.Stages.Should().HaveCount(2);
        sequence.Stages[0].Answer.Should().Be(Answer(a, 5, "part", 0));
        sequence.Stages[1].Calls.Should().HaveCount(2);
        multi.Stages.Should().ContainSingle();
        multi.Calls.Should().HaveCount(6);
        multi.Answer.Should().Be(string.Join(" | ", Enumerable.Range(0, 3).Select(j => Answer(b, 5, "objective", j))));
    }

    [Fact]
    public void Multi_objective_refuses_multi_stage_objectives()
    {
        var environment = Compose.MultiObjective(Compose.Sequence(ContextPlay.Arithmetic(1), ContextPlay.Arithmetic(1)), 2, maxTurns: 10);

        FluentActions.Invoking(() => environment.ResetAsync(1).AsTask()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*single-answer*");
    }

    private static string Json(StepResult step) => JsonSerializer.Serialize(step, TrajectoryJson.Options);
}

internal static class TaskSourceTestExtensions
{
    public static EpisodeTask CreateTaskFor(this ITaskSource source, long seed) => source.CreateTask(seed);
}
