using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Core.Tests.Composition;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Episodes;

/// <summary><see cref="ToolEnvironmentSettings.SystemPrompt"/>: the default prompt, templates, escapes and their errors.</summary>
public sealed class SystemPromptTests
{
    private static readonly ITool Alpha = DelegateTool.Echo("alpha");
    private static readonly ITool Beta = DelegateTool.Echo("beta");

    private static async Task<string> SystemMessage(ToolEnvironment environment)
    {
        var reset = await environment.ResetAsync(3);
        reset.Observation[0].Role.Should().Be(ChatRole.System);
        return reset.Observation[0].Content;
    }

    private static (Toolbox Toolbox, IActionParser Parser) Parts(IReadOnlyList<ITool> tools, ActionFormat format) =>
        (new Toolbox(tools, TimeSpan.FromSeconds(5)), ActionParsers.Create(format, tools));

    [Theory]
    [InlineData(ActionFormat.JsonToolCalls)]
    [InlineData(ActionFormat.XmlTags)]
    public async Task Without_a_template_the_prompt_is_the_default_one_byte_for_byte(ActionFormat format)
    {
        var environment = new AdderEnvironment(new ToolEnvironmentSettings(MaxTurns: 5, Format: format));
        var (toolbox, parser) = Parts([AdderEnvironment.Add], format);

        // The wording before templates existed, verbatim: recorded rollouts and prompts depend on it.
        var expected = "You solve tasks step by step using the tools below. " +
                       "You have at most 5 turns.\n" +
                       $"Tools (JSON schema): {toolbox.DescribeAsJson()}\n" +
                       parser.FormatInstructions;

        (await SystemMessage(environment)).Should().Be(expected);
        SystemPromptTemplate.Render(SystemPromptTemplate.Default, 5, toolbox, parser).Should().Be(expected);
    }

    [Fact]
    public void The_default_prompt_of_the_adder_is_pinned()
    {
        var (toolbox, parser) = Parts([AdderEnvironment.Add], ActionFormat.JsonToolCalls);

        SystemPromptTemplate.Render(SystemPromptTemplate.Default, 4, toolbox, parser).Should().Be(
            "You solve tasks step by step using the tools below. You have at most 4 turns.\n" +
            """Tools (JSON schema): [{"type":"function","function":{"name":"add","description":"test tool add","parameters":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"],"additionalProperties":false}}}]""" + "\n" +
            """Expected: optionally <think>…</think>, then either one or more <tool_call>{"name": "TOOL", "arguments": {…}}</tool_call> blocks, or exactly one <answer>…</answer>.""");
    }

    [Fact]
    public async Task A_template_replaces_the_prompt_and_fills_every_placeholder()
    {
        var template = "Turns: {max_turns}\nNames: {tool_names}\nFormat: {format}\nTools: {tools}";
        var environment = new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 3, Format: ActionFormat.XmlTags) { SystemPrompt = template });
        var (toolbox, parser) = Parts([Alpha, Beta], ActionFormat.XmlTags);

        (await SystemMessage(environment)).Should().Be($"Turns: 3\nNames: alpha, beta\nFormat: {parser.FormatInstructions}\nTools: {toolbox.DescribeAsJson()}");
    }

    [Theory]
    [InlineData("{max_turns}", "7")]
    [InlineData("{tool_names}", "alpha, beta")]
    [InlineData("at most {max_turns} turns with {tool_names} and {max_turns} again", "at most 7 turns with alpha, beta and 7 again")]
    [InlineData("Solve it.", "Solve it.")]
    public async Task Each_placeholder_is_filled_alone_and_repeated(string template, string expected)
    {
        var environment = new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 7) { SystemPrompt = template });

        (await SystemMessage(environment)).Should().Be(expected);
    }

    [Fact]
    public async Task The_tools_and_format_placeholders_are_the_toolbox_json_and_the_parser_instructions()
    {
        var (toolbox, parser) = Parts([Alpha, Beta], ActionFormat.JsonToolCalls);

        (await SystemMessage(new TwoToolEnvironment(new ToolEnvironmentSettings { SystemPrompt = "{tools}" }))).Should().Be(toolbox.DescribeAsJson());
        (await SystemMessage(new TwoToolEnvironment(new ToolEnvironmentSettings { SystemPrompt = "{format}" }))).Should().Be(parser.FormatInstructions);
    }

    [Theory]
    [InlineData("{{max_turns}} is {max_turns}", "{max_turns} is 2")]
    [InlineData("Reply {{\"answer\": 1}}.", "Reply {\"answer\": 1}.")]
    [InlineData("{{{max_turns}}}", "{2}")]
    [InlineData("}}{{", "}{")]
    public async Task Doubled_braces_are_literal_braces(string template, string expected)
    {
        var environment = new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 2) { SystemPrompt = template });

        (await SystemMessage(environment)).Should().Be(expected);
    }

    [Fact]
    public void An_unknown_placeholder_is_rejected_naming_it_and_the_known_ones()
    {
        var settings = new ToolEnvironmentSettings { SystemPrompt = "Solve {problem} with {tools}." };

        var validate = settings.Validate;
        var construct = () => new TwoToolEnvironment(settings);

        validate.Should().Throw<ArgumentException>().WithMessage(
            "the system prompt has an unknown placeholder '{problem}' at character 7 of the text; known placeholders: {max_turns}, {tools}, {tool_names}, {format}; write {{ and }} for literal braces");
        construct.Should().Throw<ArgumentException>().WithMessage("*'{problem}'*");
    }

    [Fact]
    public void A_near_miss_gets_a_suggestion_and_a_position_by_line_in_a_multi_line_template()
    {
        var problem = SystemPromptTemplate.Check("Solve it.\nUse {tool_name}.")!;

        problem.Message.Should().Be("has an unknown placeholder '{tool_name}'");
        problem.Hint.Should().StartWith("did you mean '{tool_names}'? known placeholders: ");
        (problem.Line, problem.Column).Should().Be((2, 5));
        problem.Position.Should().Be("line 2, column 5 of the text");
        SystemPromptTemplate.Check("Use {tool_name}.\n")!.Position.Should().Be("character 5 of the text", "a final line break (as YAML block scalars have) does not make a template multi-line");
    }

    [Theory]
    [InlineData("Answer in {braces", "has an unclosed '{'", 11)]
    [InlineData("Answer } now", "has a '}' that closes no placeholder", 8)]
    [InlineData("{}", "has an unknown placeholder '{}'", 1)]
    [InlineData("{ max_turns }", "has an unknown placeholder '{ max_turns }'", 1)]
    [InlineData("{MAX_TURNS}", "has an unknown placeholder '{MAX_TURNS}'", 1)]
    public void Stray_braces_and_malformed_placeholders_are_rejected(string template, string message, int column)
    {
        var problem = SystemPromptTemplate.Check(template);

        problem.Should().NotBeNull();
        problem!.Message.Should().Be(message);
        problem.Column.Should().Be(column);
        var validate = () => SystemPromptTemplate.Validate(template);
        validate.Should().Throw<ArgumentException>().WithMessage($"the system prompt {message}*");
    }

    [Fact]
    public void An_empty_template_is_rejected_and_null_means_the_default()
    {
        var empty = () => new ToolEnvironmentSettings { SystemPrompt = "" }.Validate();

        empty.Should().Throw<ArgumentException>().WithMessage("the system prompt is empty; *");
        new ToolEnvironmentSettings().SystemPrompt.Should().BeNull();
        SystemPromptTemplate.Check(SystemPromptTemplate.Default).Should().BeNull();
    }

    [Fact]
    public async Task Prompts_are_cached_per_template()
    {
        var first = await SystemMessage(new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 4) { SystemPrompt = "A {max_turns}" }));
        var again = await SystemMessage(new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 4) { SystemPrompt = "A {max_turns}" }));
        var other = await SystemMessage(new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 4) { SystemPrompt = "B {max_turns}" }));
        var standard = await SystemMessage(new TwoToolEnvironment(new ToolEnvironmentSettings(MaxTurns: 4)));

        first.Should().Be("A 4");
        again.Should().BeSameAs(first, "the same template, turn limit, format and tools share one built prompt");
        other.Should().Be("B 4", "the template is part of the cache key");
        standard.Should().StartWith("You solve tasks step by step");
    }

    /// <summary>Two shared tools, so <c>{tool_names}</c> joins more than one name; the task itself never matters here.</summary>
    private sealed class TwoToolEnvironment(ToolEnvironmentSettings settings) : ToolEnvironment("test/two-tools-v0", settings)
    {
        protected override EpisodeTask CreateTask(long seed) => new EchoTask();

        private sealed class EchoTask : EpisodeTask
        {
            public override string Prompt => "Echo something.";

            public override IReadOnlyList<ITool> Tools => [Alpha, Beta];

            public override AnswerScore ScoreAnswer(string answer) => new([new RewardTerm("exact", RewardKind.Outcome, 0, 1)], false, "x");

            public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm("exact", RewardKind.Outcome, 0, 1)];
        }
    }
}
