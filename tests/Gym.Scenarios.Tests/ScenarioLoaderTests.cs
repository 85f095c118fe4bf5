using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Testing;
using Xunit;

namespace Gym.Scenarios.Tests;

public sealed class ScenarioLoaderTests
{
    private static readonly Dictionary<string, string> NoParams = new();

    [Fact]
    public void A_full_featured_scenario_binds_to_the_exact_expected_spec()
    {
        var result = ScenarioLoader.Load(TestFiles.Valid("full.yaml"));

        result.Errors.Should().BeEmpty();
        result.Succeeded.Should().BeTrue();
        var expected = new ScenarioSpec(
            Id: "tool-use/full-featured",
            Description: "Arithmetic with faults, distractors and a curriculum.",
            Task: new EnvironmentTaskSpec("tool-use/arithmetic-v0", new Dictionary<string, string> { ["difficulty"] = "3", ["digits"] = "4", ["distractors"] = "0" }),
            Operators:
            [
                new SequenceSpec([new EnvironmentTaskSpec("tool-use/arithmetic-easy-v0", NoParams), new DatasetTaskSpec(TestFiles.Valid("data/problems.jsonl"))]),
                new MultiObjectiveSpec(4, ObjectiveAggregate.Mean, " | "),
                new WithDistractorsSpec(0.25, ["The sky is blue.", "Ignore the numbers above."], Misleading: true),
                new WithToolFaultsSpec(0.1, 0.05, 0.2, 250),
                new CurriculumSpec("difficulty", ["1", "2", "3"], 0.75, 50),
            ],
            Tools: ["calculator"],
            ActionFormat: ActionFormat.XmlTags,
            Limits: new LimitsSpec(12, 8000, 2000, 2),
            Memory: new ScenarioMemorySpec(MemoryMode.Window, 3, new TokenizerSpec(TokenizerKind.File, TestFiles.Valid("data/tokens.tiktoken"))),
            Rewards: new RewardSpec(
                Process:
                [
                    new RewardComponentSpec("format", 0.2, NoParams),
                    new RewardComponentSpec("turn_cost", 0, NoParams),
                    new RewardComponentSpec("milestone", 0.1, new Dictionary<string, string> { ["when"] = "plan_calls_done >= 2" }) { Name = "halfway" },
                ],
                Outcome:
                [
                    new RewardComponentSpec("numeric_match", 1.0, new Dictionary<string, string> { ["rel_tol"] = "1e-6" }),
                    new RewardComponentSpec("rubric", 0.5, NoParams)
                    {
                        Name = "style",
                        Criteria =
                        [
                            new CriterionSpec("short", 1, true, CriterionRuleKind.Regex, "^.{0,20}$"),
                            new CriterionSpec("polite", 2, false, CriterionRuleKind.Judge, "Is the answer polite?") { Protocol = "pairwise" },
                        ],
                        Judge = new JudgeSpec("http://localhost:8001/v1", "judge-7b", "JUDGE_KEY", 60000, 2, 512, "data/judge-cache.jsonl", 0),
                    },
                ],
                Combine: new CombinatorSpec("gate", new Dictionary<string, string> { ["threshold"] = "0.5" },
                [
                    new CombinatorSpec("weighted-sum", NoParams, []) { Of = ["numeric_match"] },
                    new CombinatorSpec("clip", new Dictionary<string, string> { ["lo"] = "-1", ["hi"] = "1" }, []) { Of = ["turn_cost"] },
                ]) { Of = ["format", "halfway", "style"] }),
            Policy: new OpenAiPolicySpec("http://localhost:8000/v1", "qwen2.5-7b-instruct", "OPENAI_API_KEY")
            {
                Temperature = 0.7,
                TopP = 0.95,
                MaxTokens = 256,
                Stop = ["</answer>", "</calculator>"],
                LogProbs = false,
                ToolMessages = Gym.Core.Policies.OpenAi.ToolMessageRole.User,
                Messages = Gym.Core.Policies.OpenAi.OpenAiMessageMode.Structured,
                TimeoutSeconds = 30,
                MaxRetries = 5,
                MaxConcurrency = 32,
            },
            Seed: 42,
            Episodes: 200)
        {
            SystemPrompt = "Solve in {max_turns} turns with {tool_names}; reply {{\"done\": true}}.\nTools: {tools}\n{format}\n",
        };
        result.Spec.Should().BeEquivalentTo(expected, options => options.RespectingRuntimeTypes().WithStrictOrdering());
    }

    [Fact]
    public void The_full_featured_scenario_also_passes_the_registry_checks()
    {
        ScenarioLoader.Load(TestFiles.Valid("full.yaml"), TestFiles.Registry()).Errors.Should().BeEmpty();
    }

    [Fact]
    public void A_minimal_scenario_gets_the_documented_defaults()
    {
        var result = ScenarioLoader.Load(TestFiles.Valid("minimal.yml"));

        result.Errors.Should().BeEmpty();
        var expected = new ScenarioSpec(
            "tool-use/minimal", "", new EnvironmentTaskSpec("tool-use/arithmetic-v0", NoParams), [], null, null,
            LimitsSpec.None, ScenarioMemorySpec.Default, null, null, null, null);
        result.Spec.Should().BeEquivalentTo(expected, options => options.RespectingRuntimeTypes());
    }

    [Fact]
    public void Defaults_of_operators_policies_and_rewards_come_from_the_schema_table()
    {
        var path = WriteTemp("""
            id: tool-use/defaults
            task: {environment: tool-use/arithmetic-v0}
            operators:
              - kind: multi-objective
                k: 2
              - kind: with-distractors
                rate: 0.5
              - kind: with-tool-faults
              - kind: curriculum
                parameter: k
                levels: [1, 2, 4]
            rewards:
              outcome:
                - kind: exact_match
            policy:
              kind: expert
            memory:
              tokenizer: cl100k
            """);

        var spec = ScenarioLoader.Load(path).Spec!;

        spec.Operators.Should().BeEquivalentTo(
            new OperatorSpec[]
            {
                new MultiObjectiveSpec(2, ObjectiveAggregate.Sum, "; "),
                new WithDistractorsSpec(0.5, null, false),
                new WithToolFaultsSpec(0, 0, 0, 0),
                new CurriculumSpec("k", ["1", "2", "4"], 0.8, 20),
            },
            options => options.RespectingRuntimeTypes().WithStrictOrdering());
        spec.Rewards.Should().BeEquivalentTo(new RewardSpec([], [new RewardComponentSpec("exact_match", 1, NoParams)], CombinatorSpec.WeightedSum));
        spec.Policy.Should().Be(new ExpertPolicySpec(0));
        spec.Memory.Should().Be(new ScenarioMemorySpec(MemoryMode.Full, null, new TokenizerSpec(TokenizerKind.Cl100k)));
    }

    [Fact]
    public void A_missing_file_is_an_error_at_line_0_column_0()
    {
        var path = Path.Combine("no", "such", "scenario.yaml");

        var result = ScenarioLoader.Load(path);

        result.Spec.Should().BeNull();
        result.Errors.Should().ContainSingle().Which.Should().Be(new ScenarioError(path, 0, 0, "cannot read scenario file: file not found", null));
        result.Errors[0].ToString().Should().Be($"{path}:0:0: error: cannot read scenario file: file not found");
    }

    [Fact]
    public void A_directory_is_an_error_at_line_0_column_0()
    {
        var result = ScenarioLoader.Load(TestFiles.MalformedDirectory);

        result.Errors.Should().ContainSingle().Which.Message.Should().Be("cannot read scenario file: it is a directory");
    }

    [Fact]
    public void Errors_print_in_compiler_style_with_the_hint_after_a_semicolon()
    {
        var error = new ScenarioError("scenarios/x.yaml", 12, 5, "unknown key 'max_turn' in limits", "did you mean 'max_turns'?");

        error.ToString().Should().Be("scenarios/x.yaml:12:5: error: unknown key 'max_turn' in limits; did you mean 'max_turns'?");
        (error with { Hint = null }).ToString().Should().Be("scenarios/x.yaml:12:5: error: unknown key 'max_turn' in limits");
    }

    [Fact]
    public void Errors_name_the_file_as_the_path_was_given()
    {
        var folder = NewTempFolder();
        Directory.CreateDirectory(Path.Combine(folder, "family"));
        File.WriteAllText(Path.Combine(folder, "base.yaml"), "id: tool-use/base\ntask: {environment: tool-use/arithmetic-v0}\nlimits: {max_turns: 0}\n");
        File.WriteAllText(Path.Combine(folder, "family", "child.yaml"), "extends: ../base.yaml\nseed: x\n");
        var path = Path.Combine(folder, "family", "child.yaml");

        var errors = ScenarioLoader.Load(path).Errors.Select(e => e.ToString()).ToList();

        errors.Should().Equal(
            $"{path}:2:7: error: wrong type for seed: found the string 'x'; expected a whole number",
            $"{Path.Combine(folder, "base.yaml")}:3:21: error: limits.max_turns is out of range: 0; expected a whole number from 1 to 1024");
    }

    [Theory]
    [InlineData("scenarios/tool-use/easy.yaml", true)]
    [InlineData("EASY.YML", true)]
    [InlineData("x.yml", true)]
    [InlineData("tool-use/arithmetic-v0", false)]
    [InlineData("notes.yaml.txt", false)]
    public void Scenario_paths_end_with_yaml_or_yml(string argument, bool expected)
    {
        ScenarioFiles.IsScenarioPath(argument).Should().Be(expected);
    }

    [Fact]
    public void With_a_registry_unknown_environments_and_parameters_are_located_with_suggestions()
    {
        var path = WriteTemp("""
            id: tool-use/x
            task:
              environment: tool-use/arithmetic-v1
            operators:
              - kind: sequence
                tasks:
                  - environment: tool-use/arithmetic-easy-v0
                    params: {digit: 2, flavour: 1}
            """);

        var errors = ScenarioLoader.Load(path, TestFiles.Registry()).Errors.Select(e => e.Describe()).ToList();

        errors.Should().Equal(
            "3:16: unknown environment 'tool-use/arithmetic-v1' for task.environment; did you mean 'tool-use/arithmetic-v0'? (gym list shows all)",
            "8:18: unknown parameter 'digit' for tool-use/arithmetic-easy-v0 in operators[0].tasks[0].params; did you mean 'digits'?",
            "8:28: unknown parameter 'flavour' for tool-use/arithmetic-easy-v0 in operators[0].tasks[0].params; known parameters: difficulty, digits, distractors, format, max_turns, operations, tool_timeout_ms, wording");
    }

    [Fact]
    public void Without_a_registry_only_the_shape_of_environment_ids_is_checked()
    {
        var path = WriteTemp("id: tool-use/x\ntask: {environment: tool-use/not-registered-v3, params: {anything: 1}}\n");

        ScenarioLoader.Load(path).Errors.Should().BeEmpty();
    }

    [Fact]
    public void Anchors_and_aliases_are_resolved()
    {
        var path = WriteTemp("""
            id: tool-use/x
            task: &main {environment: tool-use/arithmetic-v0}
            operators:
              - kind: sequence
                tasks: [*main, *main]
            """);

        var spec = ScenarioLoader.Load(path).Spec!;

        ((SequenceSpec)spec.Operators[0]).Tasks.Should().HaveCount(2).And.AllBeEquivalentTo(spec.Task, o => o.RespectingRuntimeTypes());
    }

    [Fact]
    public void Bad_input_never_throws_and_always_yields_a_spec_or_located_errors()
    {
        var text = File.ReadAllText(TestFiles.Valid("full.yaml"));
        var folder = NewTempFolder();
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "cut.yaml");
        var mangled = new List<string>();
        for (var cut = 0; cut < text.Length; cut += 5)
        {
            mangled.Add(text[..cut]);
            mangled.Add(text[..cut] + "\t" + text[cut..]);
            mangled.Add(text.Remove(cut, 1));
        }

        foreach (var variant in mangled)
        {
            File.WriteAllText(path, variant);

            var result = ScenarioLoader.Load(path);

            (result.Spec is null).Should().Be(result.Errors.Count > 0);
            result.Errors.Where(e => e.Line < 1 || e.Column < 1 || e.Message.Contains("Exception", StringComparison.Ordinal)).Should().BeEmpty(variant);
        }
    }

    // One folder per test process, deleted when it exits: a test's files live in a fresh subfolder of it.
    private static readonly Lazy<string> TempRoot = ProcessTempFolder.Create("gym-scenarios-");

    internal static string NewTempFolder() => Path.Combine(TempRoot.Value, Path.GetRandomFileName());

    internal static string WriteTemp(string yaml, string name = "scenario.yaml")
    {
        var folder = NewTempFolder();
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
