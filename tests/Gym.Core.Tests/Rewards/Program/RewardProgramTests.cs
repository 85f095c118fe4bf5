using FluentAssertions;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Core.Rewards.Rubrics;
using Gym.Core.Registry;
using Gym.Core.Tests.Composition;
using Gym.Environments.SearchQa;
using Gym.Environments.SearchQa.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards.Program;

public sealed class RewardProgramTests
{
    private static readonly Dictionary<string, string> None = [];

    // The search module's components (retrieval_hit, rank, repeated_query, search_r1) join the core's here.
    private static readonly RewardComponentRegistry Components = new EnvironmentRegistry().AddSearchQa().Rewards;

    private static IRewardComponent C(string kind, double weight = 1, RewardKind rewardKind = RewardKind.Process, Dictionary<string, string>? parameters = null, string? name = null, Rubric? rubric = null) =>
        Components.Create(new ComponentDefinition(kind, name ?? kind, weight, rewardKind, parameters ?? None, rubric));

    private static AdderEnvironment Adder(params IRewardComponent[] components) => Adder(null, components);

    private static AdderEnvironment Adder(RewardCombinator? combine, params IRewardComponent[] components) =>
        new(new ToolEnvironmentSettings(MaxTurns: 4) { Rewards = new RewardProgram(components, combine) });

    private static string AddCall(long a, long b) => $$$"""<tool_call>{"name": "add", "arguments": {"a": {{{a}}}, "b": {{{b}}}}}</tool_call>""";

    private static (long X, long Y, long Z) N => AdderEnvironment.Numbers(7);

    private static async Task<List<StepResult>> Play(ToolEnvironment environment, params AgentAction[] actions)
    {
        await environment.ResetAsync(7);
        var steps = new List<StepResult>();
        foreach (var action in actions)
        {
            var step = await environment.StepAsync(action);
            steps.Add(step);
            step.Breakdown.Total.Should().Be(step.Reward, "the breakdown always sums to the reward");
            if (step.IsDone)
            {
                break;
            }
        }

        return steps;
    }

    private static double Raw(StepResult step, string name) => step.Breakdown.Find(name)!.Raw;

    [Fact]
    public async Task The_default_program_keeps_the_legacy_terms_and_order()
    {
        var environment = new AdderEnvironment(new ToolEnvironmentSettings(MaxTurns: 4));
        var steps = await Play(environment, "nonsense", AddCall(N.X, N.Y), $"<answer>{N.X + N.Y + N.Z}</answer>");
        steps[0].Breakdown.Terms.Select(t => (t.Name, t.Raw, t.Weight)).Should().Equal(("format", -1.0, 0.2), ("tool_call", 0.0, 0.1));
        steps[1].Breakdown.Terms.Select(t => (t.Name, t.Raw)).Should().Equal(("format", 0.0), ("tool_call", 1.0));
        steps[2].Breakdown.Terms.Select(t => (t.Name, t.Raw)).Should().Equal(("format", 0.0), ("tool_call", 0.0), ("exact", 1.0));
        steps[2].Reward.Should().Be(1.0);
    }

    [Fact]
    public async Task ToolRl_scores_each_turn_against_the_next_planned_calls()
    {
        var n = N;
        var steps = await Play(
            Adder(C("toolrl")),
            "<tool_call>{broken</tool_call>",
            AddCall(n.X, n.Y + 1),
            AddCall(n.X, n.Y),
            $"<answer>{n.X + n.Y}</answer>");
        Raw(steps[0], "toolrl").Should().Be(-3, "a malformed turn: R_format 0, R_correct −3");
        // Names match (1) + parameter names (1) + one of two values (1) = 3 of S_max = 1 + (1 + 2) = 4: 6·3/4 − 3 = 1.5, plus format 1.
        Raw(steps[1], "toolrl").Should().Be(2.5);
        Raw(steps[2], "toolrl").Should().Be(4, "the expert's first call earns the maximum");
        Raw(steps[3], "toolrl").Should().Be(-2, "answering with a planned call still to make: format 1, correctness −3");
        steps.SelectMany(s => s.Breakdown.Terms).Should().OnlyContain(t => t.Raw >= -3 && t.Raw <= 4);
    }

    [Fact]
    public async Task ToolRl_gives_full_marks_to_an_answer_after_the_plan()
    {
        var n = N;
        var steps = await Play(Adder(C("toolrl")), AddCall(n.X, n.Y), AddCall(n.X + n.Y, n.Z), $"<answer>{n.X + n.Y + n.Z}</answer>");
        steps.Select(s => Raw(s, "toolrl")).Should().Equal(4, 4, 4);
    }

    [Fact]
    public async Task Turn_cost_length_penalty_and_milestones_score_per_turn()
    {
        var n = N;
        var program = Adder(
            C("turn_cost", 0.1),
            C("length_penalty", 0.01, parameters: new() { ["budget"] = "5" }),
            C("milestone", 1, parameters: new() { ["when"] = "plan_calls_done >= 1" }, name: "first_sum"));
        var steps = await Play(
            program,
            new AgentAction(AddCall(n.X, n.Y), TokenIds: [.. Enumerable.Range(0, 8)]),
            new AgentAction(AddCall(n.X + n.Y, n.Z), TokenIds: [1, 2, 3]),
            $"<answer>{n.X + n.Y + n.Z}</answer>");
        steps.Select(s => Raw(s, "turn_cost")).Should().Equal(-1, -1, -1);
        Raw(steps[0], "length_penalty").Should().Be(-3, "8 generated tokens against a budget of 5");
        Raw(steps[1], "length_penalty").Should().Be(0);
        Raw(steps[2], "length_penalty").Should().BeLessThanOrEqualTo(0, "text without token ids is counted with the tokenizer");
        steps.Select(s => Raw(s, "first_sum")).Should().Equal(1, 0, 0);
        steps[0].Reward.Should().BeApproximately(-0.1 - 0.03 + 1, 1e-12);
    }

    [Fact]
    public async Task Answer_components_compare_with_gold_answers()
    {
        var n = N;
        var environment = Adder(C("exact_match", rewardKind: RewardKind.Outcome), C("token_f1", rewardKind: RewardKind.Outcome), C("numeric_match", rewardKind: RewardKind.Outcome));
        var right = await Play(environment, $"<answer>{n.X + n.Y + n.Z}.0</answer>");
        Raw(right[0], "numeric_match").Should().Be(1);
        Raw(right[0], "exact_match").Should().Be(0, "'1234.0' and '1234' differ as text");
        var truncated = await Play(environment, "x", "x", "x", "x");
        truncated[^1].Breakdown.Terms.Select(t => t.Name).Should().Equal("exact_match", "token_f1", "numeric_match");
        truncated[^1].Reward.Should().Be(0, "no answer scores 0");
        truncated.Take(3).Should().OnlyContain(s => s.Breakdown.Terms.Length == 0, "outcome components score only when a stage closes");
    }

    [Fact]
    public async Task Multi_objective_answers_are_scored_per_objective_with_mean_weights()
    {
        var source = new AdderEnvironment(new ToolEnvironmentSettings());
        var settings = new ToolEnvironmentSettings(MaxTurns: 6) { Rewards = new RewardProgram([C("exact_match", 2, RewardKind.Outcome)]) };
        var environment = new MultiObjectiveEnvironment("test/multi", source, new MultiObjectiveOptions(2, ObjectiveAggregate.Mean, Settings: settings));
        await environment.ResetAsync(3);
        var plan = ((ITaskSource)environment).CreateTask(3).Plan!;
        var answers = MultiObjectiveEnvironment.SplitAnswers(plan.Answer, "; ");
        var step = await environment.StepAsync($"<answer>{answers[0]}; 0</answer>");
        step.Breakdown.Terms.Select(t => (t.Name, t.Raw, t.Weight)).Should().Equal(("objective1.exact_match", 1.0, 1.0), ("objective2.exact_match", 0.0, 1.0));
        step.Reward.Should().Be(1);
    }

    [Fact]
    public async Task Retrieval_components_read_search_results()
    {
        var environment = new LibraryEnvironment(new ToolEnvironmentSettings(MaxTurns: 5)
        {
            Rewards = new RewardProgram([C("retrieval_hit"), C("rank"), C("repeated_query", 0.5)]),
        });
        await environment.ResetAsync(0);
        var miss = await environment.StepAsync("""<tool_call>{"name": "search", "arguments": {"query": "alpine lakes"}}</tool_call>""");
        Raw(miss, "retrieval_hit").Should().Be(0);
        Raw(miss, "rank").Should().Be(0);
        var hit = await environment.StepAsync("""<tool_call>{"name": "search", "arguments": {"query": "quillton river bridges institute"}}</tool_call>""");
        // Quillton ranks first (3 words), Zorba Institute (gold, 2 words, listed before Bridges) second: 1/log2(3).
        Raw(hit, "retrieval_hit").Should().Be(1);
        Raw(hit, "rank").Should().BeApproximately(1 / Math.Log2(3), 1e-12);
        Raw(hit, "repeated_query").Should().Be(0);
        var again = await environment.StepAsync("""<tool_call>{"name": "search", "arguments": {"query": "Quillton  river bridges, institute!"}}</tool_call>""");
        Raw(again, "repeated_query").Should().Be(-1, "the same query after normalization");
    }

    [Theory]
    [InlineData(new[] { "<answer>Mara Vent</answer>" }, 1.0)]
    [InlineData(new[] { "oops", "<answer>M. Vent</answer>" }, 0.8)]
    [InlineData(new[] { "<search>zorba institute</search>", "<answer>Bob</answer>" }, 0.3)]
    [InlineData(new[] { "<search>alpine lakes</search>", "<answer>Bob</answer>" }, 0.2)]
    [InlineData(new[] { "oops", "<answer>Bob</answer>" }, 0.1)]
    [InlineData(new[] { "oops", "oops", "oops" }, 0.0)]
    public async Task Search_r1_scores_correctness_format_and_retrieved_answers(string[] actions, double expected)
    {
        var environment = new LibraryEnvironment(new ToolEnvironmentSettings(MaxTurns: 3, Format: Core.Parsing.ActionFormat.XmlTags)
        {
            Rewards = new RewardProgram([C("search_r1", rewardKind: RewardKind.Outcome)]),
        });
        await environment.ResetAsync(0);
        StepResult step = null!;
        foreach (var action in actions)
        {
            step = await environment.StepAsync(action);
        }

        step.IsDone.Should().BeTrue();
        Raw(step, "search_r1").Should().Be(expected);
    }

    [Fact]
    public async Task Abstention_pays_only_when_no_answer_is_reachable()
    {
        var abstention = C("abstention", rewardKind: RewardKind.Outcome, parameters: new() { ["penalty"] = "0.5" });
        var environment = new LibraryEnvironment(new ToolEnvironmentSettings(MaxTurns: 2) { Rewards = new RewardProgram([abstention]) });
        await environment.ResetAsync(1);
        Raw(await environment.StepAsync("<answer>I cannot answer that.</answer>"), "abstention").Should().Be(1);
        await environment.ResetAsync(0);
        Raw(await environment.StepAsync("<answer>I don't know</answer>"), "abstention").Should().Be(-0.5);
        await environment.ResetAsync(0);
        Raw(await environment.StepAsync("<answer>Mara Vent</answer>"), "abstention").Should().Be(0);
    }

    [Fact]
    public async Task Calibration_is_the_Brier_reward_on_the_stated_confidence()
    {
        var environment = new LibraryEnvironment(new ToolEnvironmentSettings(MaxTurns: 2) { Rewards = new RewardProgram([C("calibration", rewardKind: RewardKind.Outcome)]) });
        await environment.ResetAsync(0);
        Raw(await environment.StepAsync("<confidence>0.8</confidence><answer>Mara Vent</answer>"), "calibration").Should().BeApproximately(1 - 0.04, 1e-12);
        await environment.ResetAsync(0);
        Raw(await environment.StepAsync("<confidence>70%</confidence><answer>Bob</answer>"), "calibration").Should().BeApproximately(0 - 0.49, 1e-12);
        await environment.ResetAsync(0);
        Raw(await environment.StepAsync("<answer>Bob</answer>"), "calibration").Should().Be(-1, "a missing confidence counts as fully wrong");
    }

    [Fact]
    public async Task A_rubric_gates_on_hard_criteria_and_reports_each_criterion()
    {
        var rubric = new Rubric(
        [
            new RubricCriterion("names_person", new RegexRule("^[A-Z][a-z]+ [A-Z][a-z]+$"), Hard: true),
            new RubricCriterion("mentions_vent", new ContainsRule("vent"), Weight: 3),
            new RubricCriterion("short", new RegexRule("^.{0,5}$"), Weight: 1),
        ]);
        var environment = new LibraryEnvironment(new ToolEnvironmentSettings(MaxTurns: 2) { Rewards = new RewardProgram([C("rubric", rewardKind: RewardKind.Outcome, rubric: rubric)]) });
        await environment.ResetAsync(0);
        var good = await environment.StepAsync("<answer>Mara Vent</answer>");
        Raw(good, "rubric").Should().Be(0.75);
        good.Breakdown.Terms.Select(t => (t.Name, t.Raw, t.Weight)).Should().Equal(("rubric", 0.75, 1.0), ("rubric.names_person", 1.0, 0.0), ("rubric.mentions_vent", 1.0, 0.0), ("rubric.short", 0.0, 0.0));
        await environment.ResetAsync(0);
        Raw(await environment.StepAsync("<answer>mara vent</answer>"), "rubric").Should().Be(0, "the hard criterion fails");
    }

    [Fact]
    public async Task A_combinator_tree_keeps_components_as_metrics_and_adds_the_combined_term()
    {
        var n = N;
        var tree = new ClipCombinator([new GateCombinator([], ["numeric_match"], 1)], ["turn_cost"], -0.05, 0.5);
        var environment = Adder(tree, C("turn_cost", 0.1), C("numeric_match", 2, RewardKind.Outcome), C("format", 0));
        var steps = await Play(environment, AddCall(n.X, n.Y), $"<answer>{n.X + n.Y + n.Z}</answer>");
        steps[0].Breakdown.Terms.Select(t => (t.Name, t.Raw, t.Weight)).Should().Equal(("turn_cost", -1.0, 0.0), ("format", 0.0, 0.0), ("combined", -0.05, 1.0));
        // Answer turn: gate(2·1 ≥ 1) = 2, plus turn cost −0.1 = 1.9, clipped to 0.5.
        steps[1].Breakdown.Find("combined")!.Should().Be(new RewardTerm("combined", RewardKind.Outcome, 0.5, 1));
        steps[1].Reward.Should().Be(0.5);
    }

    [Fact]
    public async Task Transform_nodes_are_absent_on_turns_without_their_inputs()
    {
        var n = N;
        var environment = Adder(new ParCombinator([], ["exact_match"], 0.5), C("exact_match", 1, RewardKind.Outcome));
        var steps = await Play(environment, AddCall(n.X, n.Y), $"<answer>{n.X + n.Y + n.Z}</answer>");
        steps[0].Reward.Should().Be(0, "PAR of an outcome does not pay on turns without one");
        steps[1].Reward.Should().BeApproximately(RewardTransforms.Sigmoid(0.5), 1e-12);
    }

    [Fact]
    public async Task Sequential_pays_the_last_input_only_when_no_input_is_zero()
    {
        var n = N;
        var tree = new SequentialCombinator([], ["format", "numeric_match"]);
        var environment = Adder(tree, C("format", 1, parameters: new() { ["style"] = "indicator" }), C("numeric_match", 3, RewardKind.Outcome));
        var steps = await Play(environment, AddCall(n.X, n.Y), "<answer>0</answer>");
        steps[0].Reward.Should().Be(0, "the outcome is absent on a tool turn, which counts as 0");
        steps[1].Reward.Should().Be(0, "a wrong answer zeroes the chain");
        var right = await Play(environment, $"<answer>{n.X + n.Y + n.Z}</answer>");
        right[0].Reward.Should().Be(3, "valid format (1) and a right answer: the last input, 3 × 1");
    }

    [Fact]
    public async Task Lsc_sums_log_sigmoids_of_centered_components()
    {
        var n = N;
        var tree = new WeightedSumCombinator([new LscCombinator([], ["numeric_match"], 0.5), new LscCombinator([], ["format"], -0.5)], []);
        var environment = Adder(tree, C("numeric_match", 1, RewardKind.Outcome), C("format", 1));
        var steps = await Play(environment, $"<answer>{n.X + n.Y + n.Z}</answer>");
        steps[0].Reward.Should().BeApproximately(Math.Log(RewardTransforms.Sigmoid(0.5)) + Math.Log(RewardTransforms.Sigmoid(0.5)), 1e-12);
    }

    [Fact]
    public async Task Potential_based_shaping_telescopes_to_zero_over_an_episode()
    {
        var n = N;
        var environment = Adder(new ShapingCombinator([], [], 1, "plan_calls_done", 0.5), C("format", 0));
        var steps = await Play(environment, AddCall(n.X, n.Y), "junk", AddCall(n.X + n.Y, n.Z), $"<answer>{n.X + n.Y + n.Z}</answer>");
        steps.Select(s => s.Reward).Should().Equal(0.5, 0, 0.5, -1);
        steps.Sum(s => s.Reward).Should().Be(0, "with γ = 1 and Φ(end) = 0 the shaping sums to −Φ(start) = 0");
    }

    [Fact]
    public void Programs_reject_trees_that_read_unknown_or_ignore_weighted_components()
    {
        var act = () => new RewardProgram([C("format")], new WeightedSumCombinator([], ["exact_match"]));
        act.Should().Throw<ArgumentException>().WithMessage("*reads component 'exact_match', which is not declared*");
        act = () => new RewardProgram([C("format"), C("turn_cost")], new WeightedSumCombinator([], ["format"]));
        act.Should().Throw<ArgumentException>().WithMessage("*'turn_cost' has weight 1 but the combinator tree does not read it*");
        act = () => new RewardProgram([C("format"), C("format")]);
        act.Should().Throw<ArgumentException>().WithMessage("*two reward components are named 'format'*");
    }

    [Theory]
    [InlineData("length_penalty", "", "budget", "needs parameter 'budget'")]
    [InlineData("length_penalty", "budget=0", "budget", "must be a whole number at least 1")]
    [InlineData("format", "style=loud", "style", "must be one of penalty, indicator")]
    [InlineData("milestone", "when=progress >= 1", "when", "unknown state key 'progress'")]
    [InlineData("turn_cost", "cost=2", "cost", "takes no parameters")]
    [InlineData("rubric", "", null, "needs at least one criterion")]
    public void Bad_parameters_name_the_parameter(string kind, string parameters, string? parameter, string message)
    {
        var values = parameters.Length == 0 ? [] : parameters.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        var act = () => C(kind, parameters: values);
        act.Should().Throw<RewardSpecException>().Where(e => e.Parameter == parameter).WithMessage($"*{message}*");
    }

    [Fact]
    public void Conditions_parse_and_evaluate()
    {
        var condition = StateCondition.Parse("plan_calls_done >= 2 and tool_errors == 0");
        condition.Holds(new StateValues { PlanCallsDone = 2 }).Should().BeTrue();
        condition.Holds(new StateValues { PlanCallsDone = 2, ToolErrors = 1 }).Should().BeFalse();
        condition.Holds(new StateValues { PlanCallsDone = 1 }).Should().BeFalse();
        var act = () => StateCondition.Parse("turns = 3");
        act.Should().Throw<FormatException>().WithMessage("*no comparison*");
    }

    [Fact]
    public void Search_results_parse_titles_with_parentheses()
    {
        var documents = SearchResultsText.Parse("<information>Doc 1(Title: Paris (city)) The capital.\nDoc 2(Title: Seine) A river.</information>");
        documents.Select(d => (d.Rank, d.Title, d.Text)).Should().Equal((1, "Paris (city)", "The capital."), (2, "Seine", "A river."));
        SearchResultsText.Parse("no documents here").Should().BeEmpty();
    }
}
