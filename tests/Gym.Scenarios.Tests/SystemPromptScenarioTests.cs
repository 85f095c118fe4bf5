using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Tools;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>The scenario key <c>system_prompt</c>, from the file to the first observation of an episode.</summary>
public sealed class SystemPromptScenarioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-scenario-prompt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static (BuiltScenario Scenario, EnvironmentRegistry Registry) Build(string path)
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        return (ScenarioEnvironments.Load(path, registry), registry);
    }

    /// <summary>What the placeholders of the arithmetic task stand for, worked out apart from the scenario code.</summary>
    private static (string Tools, string Format) ArithmeticParts(ActionFormat format)
    {
        var source = (ITaskSource)new EnvironmentRegistry().AddToolUse().Make("tool-use/arithmetic-v0");
        var tools = source.CreateTask(0).Tools;
        return (new Toolbox(tools, TimeSpan.FromSeconds(5)).DescribeAsJson(), ActionParsers.Create(format, tools).FormatInstructions);
    }

    private static async Task<string> FirstSystemMessage(IEnvironment environment)
    {
        var reset = await environment.ResetAsync(11);
        reset.Observation[0].Role.Should().Be(ChatRole.System);
        return reset.Observation[0].Content;
    }

    [Fact]
    public async Task The_first_observation_opens_with_the_rendered_template()
    {
        var (scenario, registry) = Build(Write("s.yaml", """
            id: test/prompt
            task:
              environment: tool-use/arithmetic-v0
              params: {difficulty: 1}
            action_format: xml-tags
            limits: {max_turns: 3}
            system_prompt: |
              At most {max_turns} turns; tools: {tool_names}.
              Schemas: {tools}
              {format}
              Reply {{"answer": N}} only in <answer>…</answer>.
            """));
        var (tools, format) = ArithmeticParts(ActionFormat.XmlTags);
        var expected = $"At most 3 turns; tools: calculator.\nSchemas: {tools}\n{format}\nReply {{\"answer\": N}} only in <answer>…</answer>.";

        (await FirstSystemMessage(registry.Make(scenario.Spec.Id))).Should().Be(expected);

        var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
        var record = await EpisodeRunner.RunAsync(registry.Make(scenario.Spec.Id), expert, 0, 5);
        record.Prompt[0].Content.Should().Be(expected, "the recorded prompt is the one the policy saw");
        record.Success.Should().BeTrue("the expert does not read the system prompt");
    }

    [Fact]
    public async Task The_prompt_holds_through_operators()
    {
        var (scenario, registry) = Build(Write("s.yaml", """
            id: test/prompt-composed
            task: {environment: tool-use/arithmetic-v0, params: {difficulty: 1}}
            operators:
              - {kind: multi-objective, k: 2}
              - {kind: with-tool-faults, error_rate: 0.5}
              - {kind: with-distractors, rate: 0.5}
            system_prompt: "Answer both within {max_turns} turns, using {tool_names}."
            limits: {max_turns: 9}
            """));

        (await FirstSystemMessage(registry.Make(scenario.Spec.Id))).Should().Be("Answer both within 9 turns, using calculator.");
    }

    [Fact]
    public async Task Without_the_key_the_task_keeps_its_default_prompt()
    {
        var (scenario, registry) = Build(Write("s.yaml", """
            id: test/prompt-default
            task: {environment: tool-use/arithmetic-v0, params: {difficulty: 1}}
            limits: {max_turns: 4}
            """));
        var (tools, format) = ArithmeticParts(ActionFormat.JsonToolCalls);

        scenario.Spec.SystemPrompt.Should().BeNull();
        (await FirstSystemMessage(registry.Make(scenario.Spec.Id))).Should().Be(
            $"You solve tasks step by step using the tools below. You have at most 4 turns.\nTools (JSON schema): {tools}\n{format}");
    }

    [Fact]
    public async Task A_child_scenario_inherits_or_overrides_the_base_prompt()
    {
        Write("base.yaml", """
            id: test/prompt-base
            task: {environment: tool-use/arithmetic-v0, params: {difficulty: 1}}
            system_prompt: "Base: {max_turns} turns."
            limits: {max_turns: 2}
            """);
        var (inherits, registry) = Build(Write("inherits.yaml", "extends: base.yaml\nid: test/prompt-inherits\nlimits: {max_turns: 3}\n"));
        var (overrides, other) = Build(Write("overrides.yaml", "extends: base.yaml\nid: test/prompt-overrides\nsystem_prompt: \"Child: {tool_names}.\"\n"));

        (await FirstSystemMessage(registry.Make(inherits.Spec.Id))).Should().Be("Base: 3 turns.");
        (await FirstSystemMessage(other.Make(overrides.Spec.Id))).Should().Be("Child: calculator.");
    }

    [Fact]
    public async Task The_tiny_arithmetic_scenario_opens_with_its_short_prompt()
    {
        var (scenario, registry) = Build(Path.Combine(TestFiles.RepositoryRoot, "scenarios", "tool-use", "tiny-arith.yaml"));
        var prompt = scenario.Spec.SystemPrompt!;

        prompt.Length.Should().BeLessThan(150);
        for (var seed = 0; seed < 20; seed++)
        {
            var reset = await registry.Make(scenario.Spec.Id).ResetAsync(seed);
            reset.Observation[0].Content.Should().Be(prompt);
            reset.Observation.Sum(m => Bytes(m.Content)).Should().BeLessThan(400, "the system prompt and the problem leave most of a 1024-byte context to the episode");
        }

        var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
        for (var episode = 0; episode < 10; episode++)
        {
            var record = await EpisodeRunner.RunAsync(registry.Make(scenario.Spec.Id), expert, episode, 100 + episode);
            record.Success.Should().BeTrue();
            var text = record.Prompt.Sum(m => Bytes(m.Content)) + record.Turns.Sum(t => Bytes(t.Action.Text ?? "") + t.Observation.Sum(m => Bytes(m.Content)));
            text.Should().BeLessThan(700, "a whole expert episode's text, think blocks included, fits in 1024 bytes with room for a chat template");
        }

        static int Bytes(string text) => System.Text.Encoding.UTF8.GetByteCount(text);
    }

    [Fact]
    public void Errors_in_the_template_are_located_at_the_value()
    {
        var path = Write("s.yaml", "id: test/prompt-bad\ntask: {environment: tool-use/arithmetic-v0}\nsystem_prompt: >\n  Solve it\n  in {turns} turns.\n");

        var errors = ScenarioLoader.Load(path, TestFiles.Registry()).Errors;

        errors.Should().ContainSingle().Which.ToString().Should().Be(
            $"{path}:3:16: error: system_prompt has an unknown placeholder '{{turns}}' at character 13 of the text; known placeholders: {{max_turns}}, {{tools}}, {{tool_names}}, {{format}}; write {{{{ and }}}} for literal braces");
        var build = () => Build(path);
        build.Should().Throw<ScenarioLoadException>();
    }
}
