using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>Building runnable environments from scenario files: limits, format, rewards, operators and their errors.</summary>
public sealed class ScenarioEnvironmentsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-scenario-build-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (BuiltScenario Scenario, EnvironmentRegistry Registry) Build(string yaml)
    {
        var path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, yaml);
        var registry = new EnvironmentRegistry().AddToolUse();
        return (ScenarioEnvironments.Load(path, registry), registry);
    }

    [Fact]
    public async Task Limits_format_and_reward_weights_apply_to_the_task()
    {
        var (scenario, registry) = Build("""
            id: test/weights
            task:
              environment: tool-use/arithmetic-v0
              params: {difficulty: 1}
            action_format: xml-tags
            limits: {max_turns: 3}
            rewards:
              process:
                - {kind: format, weight: 0.5}
              outcome:
                - {kind: numeric_match, weight: 2}
            """);
        var environment = registry.Make(scenario.Spec.Id);
        var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());

        var record = await EpisodeRunner.RunAsync(environment, expert, 0, 7);

        environment.MaxTurns.Should().Be(3);
        record.Prompt[0].Content.Should().Contain("<calculator>");
        record.Turns[0].Action.Text.Should().Contain("<calculator>");
        var last = record.Turns[^1].Breakdown;
        last.Find("format")!.Weight.Should().Be(0.5);
        last.Find("tool_call").Should().BeNull("with a rewards section exactly the listed components are scored");
        last.Find("numeric_match")!.Weight.Should().Be(2);
        record.TotalReward.Should().Be(2);
    }

    [Fact]
    public async Task Library_components_and_a_combinator_tree_score_a_scenario()
    {
        var (scenario, registry) = Build("""
            id: test/library
            task:
              environment: tool-use/arithmetic-v0
              params: {difficulty: 2}
            rewards:
              process:
                - {kind: toolrl, weight: 0.1}
                - {kind: milestone, name: first, params: {when: "plan_calls_done >= 1"}}
              outcome:
                - {kind: token_f1, weight: 0}
                - {kind: numeric_match}
                - kind: rubric
                  weight: 0
                  criteria:
                    - {name: digits_only, regex: "^[0-9.-]+$"}
              combine:
                kind: clip
                params: {lo: 0, hi: 1}
                of: [toolrl, first, numeric_match]
            """);
        var environment = registry.Make(scenario.Spec.Id);
        var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());

        var record = await EpisodeRunner.RunAsync(environment, expert, 0, 7);

        record.Success.Should().BeTrue();
        record.Turns[0].Breakdown.Terms.Select(t => (t.Name, t.Raw, t.Weight)).Should().Equal(("toolrl", 4.0, 0.0), ("first", 1.0, 0.0), ("combined", 1.0, 1.0));
        var last = record.Turns[^1].Breakdown;
        last.Terms.Select(t => t.Name).Should().Equal("toolrl", "first", "token_f1", "numeric_match", "rubric", "rubric.digits_only", "combined");
        last.Find("rubric")!.Raw.Should().Be(1);
        last.Find("combined")!.Raw.Should().Be(1, "0.4 + 0 + 1 clipped to 1");
    }

    [Fact]
    public void Distractors_must_be_the_last_operator()
    {
        var build = () => Build("""
            id: test/order
            task: {environment: tool-use/arithmetic-v0}
            operators:
              - {kind: with-distractors, rate: 0.5}
              - {kind: multi-objective, k: 2}
            """);

        build.Should().Throw<ScenarioBuildException>().WithMessage("*s.yaml:5:5: error: 'with-distractors' must be the last operator*", "the error is located at the operator that comes after it");
    }

    [Fact]
    public void A_listed_tool_the_task_does_not_offer_is_an_error()
    {
        var build = () => Build("""
            id: test/tools
            task: {environment: tool-use/arithmetic-v0}
            tools: [calculator, search]
            """);

        build.Should().Throw<ScenarioBuildException>().WithMessage("*s.yaml:3:21: error: tool 'search' is not offered by this task; available: calculator");
    }

    [Fact]
    public async Task The_k_parameter_overrides_the_multi_objective_count_for_curricula()
    {
        var (scenario, registry) = Build("""
            id: test/k
            task:
              environment: tool-use/arithmetic-v0
              params: {difficulty: 1}
            operators:
              - {kind: multi-objective, k: 2}
              - {kind: curriculum, parameter: k, levels: [2, 4], promote_at: 0.5, window: 2}
            """);
        var parameters = new Dictionary<string, string> { ["k"] = "4" };
        var environment = registry.Make(scenario.Spec.Id, new EnvironmentParameters(parameters));
        var expert = registry.Get(scenario.Spec.Id).CreateExpert!(new EnvironmentParameters(parameters), new ExpertSettings());

        var record = await EpisodeRunner.RunAsync(environment, expert, 0, 3);

        scenario.Curriculum.Should().NotBeNull();
        record.Success.Should().BeTrue();
        record.Turns[^1].Breakdown.Terms.Select(t => t.Name).Should().Contain("objective4.numeric_match");
        var bad = () => registry.Make(scenario.Spec.Id, new EnvironmentParameters(new Dictionary<string, string> { ["k"] = "99" }));
        bad.Should().Throw<EnvironmentParameterException>().WithMessage("*'k' must be a whole number between 1 and 64*");
    }

    [Fact]
    public void The_scenario_is_registered_under_its_id_and_runs_with_memory_settings()
    {
        var (scenario, registry) = Build("""
            id: test/memory-window
            task: {environment: tool-use/arithmetic-v0}
            memory: {mode: window, window: 2, tokenizer: cl100k}
            """);

        registry.Get("test/memory-window").Should().BeSameAs(scenario.Descriptor);
        scenario.Memory.ToString().Should().Be("window:2");
        scenario.Tokenizer.Should().Be("cl100k");
        registry.Make("test/memory-window").Should().BeAssignableTo<IEnvironment>();
    }
}
