using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Episodes;

/// <summary>
/// An environment keeps its toolbox, parser and system prompt across episodes while its tasks offer
/// the same tool instances: every episode must still play exactly as on a fresh environment,
/// including when the next task offers other tools.
/// </summary>
public sealed class ToolReuseTests
{
    private static readonly ITool Alpha = DelegateTool.Echo("alpha");
    private static readonly ITool Beta = DelegateTool.Echo("beta");

    private static readonly string[] Actions = ["<alpha>one</alpha>", "<beta>two</beta>", "<answer>x</answer>"];

    private static async Task<string> PlayAsync(ToolEnvironment environment, long seed)
    {
        var reset = await environment.ResetAsync(seed);
        var lines = new List<string> { string.Join("|", reset.Info.Values.Select(p => $"{p.Key}={p.Value.GetRawText()}")) };
        lines.AddRange(reset.Observation.Select(m => $"{m.Role}: {m.Content}"));
        foreach (var action in Actions)
        {
            var step = await environment.StepAsync(new AgentAction(action));
            lines.Add($"{step.Reward} {step.FormatError} {string.Join("|", step.Observation.Select(m => m.Content))} {step.Terminated}");
            if (step.Terminated || step.Truncated)
            {
                break;
            }
        }

        return string.Join("\n", lines);
    }

    [Theory]
    [InlineData(ActionFormat.XmlTags)]
    [InlineData(ActionFormat.JsonToolCalls)]
    public async Task Episodes_on_one_environment_play_as_on_fresh_ones_when_the_tools_change_between_tasks(ActionFormat format)
    {
        var settings = new ToolEnvironmentSettings(MaxTurns: 4, Format: format);
        var reused = new AlternatingToolsEnvironment(settings);
        // Alpha, alpha (the pair is reused), beta (a new pair), alpha again (not the stale beta pair).
        long[] seeds = [0, 2, 1, 4, 3, 3];

        foreach (var seed in seeds)
        {
            var expected = await PlayAsync(new AlternatingToolsEnvironment(settings), seed);
            (await PlayAsync(reused, seed)).Should().Be(expected, $"seed {seed} must play as on a fresh environment");
        }
    }

    [Fact]
    public async Task The_parser_follows_the_tools_of_each_task()
    {
        var environment = new AlternatingToolsEnvironment(new ToolEnvironmentSettings(MaxTurns: 4, Format: ActionFormat.XmlTags));

        await environment.ResetAsync(1);
        (await environment.StepAsync(new AgentAction("<beta>two</beta>"))).FormatError.Should().BeNull("beta is offered for odd seeds");
        await environment.ResetAsync(2);
        (await environment.StepAsync(new AgentAction("<beta>two</beta>"))).FormatError.Should().NotBeNull("beta is not a tool of even seeds, so its tag is unknown");
        (await environment.StepAsync(new AgentAction("<alpha>one</alpha>"))).Observation[0].Content.Should().Be("one");
    }

    [Fact]
    public async Task The_reset_info_gets_the_turn_limit_and_each_episode_its_own_seed()
    {
        var environment = new AlternatingToolsEnvironment(new ToolEnvironmentSettings(MaxTurns: 4));

        foreach (var seed in new long[] { 6, 8, 7, 123_456_789_012 })
        {
            var info = (await environment.ResetAsync(seed)).Info;
            info.Get("seed", -1L).Should().Be(seed);
            info.Get("max_turns", -1).Should().Be(4);
            info.Get("tools", "").Should().Be(seed % 2 == 0 ? "alpha" : "beta");
        }
    }

    /// <summary>Even seeds offer alpha, odd seeds beta; tasks of the same parity share their tool list's instances and their info.</summary>
    private sealed class AlternatingToolsEnvironment(ToolEnvironmentSettings settings) : ToolEnvironment("test/alternating-tools-v0", settings)
    {
        private static readonly StepInfo AlphaInfo = StepInfo.Empty.With("tools", "alpha");
        private static readonly StepInfo BetaInfo = StepInfo.Empty.With("tools", "beta");

        protected override EpisodeTask CreateTask(long seed) => seed % 2 == 0 ? new EchoTask([Alpha], AlphaInfo) : new EchoTask([Beta], BetaInfo);

        private sealed class EchoTask(IReadOnlyList<ITool> tools, StepInfo info) : EpisodeTask
        {
            public override string Prompt => "Echo something.";

            public override IReadOnlyList<ITool> Tools => tools;

            public override StepInfo Info => info;

            public override AnswerScore ScoreAnswer(string answer) => new([new RewardTerm("exact", RewardKind.Outcome, answer == "x" ? 1 : 0, 1)], answer == "x", "x");

            public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm("exact", RewardKind.Outcome, 0, 1)];
        }
    }
}
