using FluentAssertions;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Tools;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

/// <summary>The generic plan-following expert on arithmetic and on composed arithmetic, with full and MEM1 contexts.</summary>
public sealed class PlanExpertTests
{
    public static TheoryData<string, bool> FormatsAndModes => new()
    {
        { "json-tool-calls", false },
        { "json-tool-calls", true },
        { "xml-tags", false },
        { "xml-tags", true },
    };

    [Theory]
    [MemberData(nameof(FormatsAndModes))]
    public async Task At_rate_zero_it_solves_every_arithmetic_seed_at_every_difficulty(string format, bool mem1)
    {
        for (var difficulty = 1; difficulty <= 5; difficulty++)
        {
            var environment = ContextPlay.Arithmetic(difficulty, format);
            var expert = new PlanExpert(environment, new ExpertSettings());

            var episodes = await ContextPlay.RunManyAsync(environment, expert, 100, mem1);

            episodes.Where(e => !e.Success).Select(e => e.Seed).Should().BeEmpty($"difficulty {difficulty}, {format}, mem1={mem1}");
            episodes.Should().OnlyContain(e => e.Terminated && e.Steps.Count == environment.Options.Operations + 1);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public async Task It_acts_identically_on_the_full_history_and_on_a_MEM1_context(double rate)
    {
        var environment = ContextPlay.Arithmetic(4);
        var expert = new PlanExpert(environment, new ExpertSettings(rate, Seed: 3));

        var full = await ContextPlay.RunManyAsync(environment, expert, 60, mem1: false);
        var mem1 = await ContextPlay.RunManyAsync(environment, expert, 60, mem1: true);

        for (var seed = 0; seed < full.Count; seed++)
        {
            mem1[seed].Actions.Select(a => a.Text).Should().Equal(full[seed].Actions.Select(a => a.Text), $"seed {seed} at rate {rate}");
        }
    }

    [Fact]
    public async Task Its_mistakes_cost_success_and_it_recovers_under_MEM1()
    {
        var environment = ContextPlay.Arithmetic(3, "json-tool-calls", "max_turns=12");
        var expert = new PlanExpert(environment, new ExpertSettings(0.3));

        var episodes = await ContextPlay.RunManyAsync(environment, expert, 200, mem1: true);

        var rate = episodes.Count(e => e.Success) / 200.0;
        rate.Should().BeGreaterThan(0.2).And.BeLessThan(1);
        episodes.Should().Contain(e => e.Success && e.Steps.Any(s => s.FormatError != null), "it recovers after a malformed action");
        episodes.Should().Contain(e => e.Success && e.Steps.Count > 4, "it recovers after a wrong call");
        expert.Id.Should().Be("expert:0.3");
    }

    [Theory]
    [MemberData(nameof(FormatsAndModes))]
    public async Task At_rate_zero_it_solves_every_sequence(string format, bool mem1)
    {
        var environment = Compose.Sequence(ContextPlay.Arithmetic(1, format), ContextPlay.Arithmetic(3, format), ContextPlay.Arithmetic(2, format));
        var expert = new PlanExpert(environment, new ExpertSettings());

        var episodes = await ContextPlay.RunManyAsync(environment, expert, 100, mem1);

        episodes.Where(e => !e.Success).Select(e => e.Seed).Should().BeEmpty();
        episodes.Should().OnlyContain(e => e.Terminated && e.Steps.Count == 1 + 1 + 3 + 1 + 2 + 1);
        episodes.Should().OnlyContain(e => e.Steps.Count(s => s.Breakdown.Terms.Any(t => t.Name.EndsWith(".numeric_match", StringComparison.Ordinal))) == 3);
    }

    [Theory]
    [MemberData(nameof(FormatsAndModes))]
    public async Task At_rate_zero_it_solves_every_multi_objective_episode(string format, bool mem1)
    {
        foreach (var k in new[] { 1, 2, 4, 8 })
        {
            var environment = Compose.MultiObjective(ContextPlay.Arithmetic(3, format), k);
            var expert = new PlanExpert(environment, new ExpertSettings());

            var episodes = await ContextPlay.RunManyAsync(environment, expert, 40, mem1);

            episodes.Where(e => !e.Success).Select(e => e.Seed).Should().BeEmpty($"K={k}");
            episodes.Should().OnlyContain(e => e.Terminated && e.Steps.Count == 3 * k + 1 && e.Steps.Count <= environment.MaxTurns);
            episodes.Should().OnlyContain(e => e.Last.Info.Get(MultiObjectiveEnvironment.ObjectivesCorrectInfo, 0) == k);
        }
    }

    [Fact]
    public async Task Misleading_distractors_do_not_mislead_it()
    {
        var inner = Compose.MultiObjective(ContextPlay.Arithmetic(3), 2);
        var environment = Compose.WithDistractors(inner, 1.0, misleading: true);
        var expert = new PlanExpert(inner, new ExpertSettings());

        var episodes = await ContextPlay.RunManyAsync(environment, expert, 50, mem1: true);

        episodes.Should().OnlyContain(e => e.Success);
        episodes.SelectMany(e => e.Steps.Take(e.Steps.Count - 1)).Should().OnlyContain(s => s.Info.Get(DistractorEnvironment.DistractorInfo, false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Under_tool_faults_it_retries_failed_calls_so_it_fails_only_by_running_out_of_turns(bool mem1)
    {
        var faults = new ToolFaultSpec(ErrorRate: 0.25, TimeoutRate: 0.15, LatencyRate: 0.1, LatencyMs: 1);
        var tight = Compose.WithToolFaults(ContextPlay.Arithmetic(4), faults);
        var roomy = Compose.WithToolFaults(Compose.MultiObjective(ContextPlay.Arithmetic(3), 2), faults, maxTurns: 40);

        var tightEpisodes = await ContextPlay.RunManyAsync(tight, new PlanExpert(tight, new ExpertSettings()), 100, mem1);
        var roomyEpisodes = await ContextPlay.RunManyAsync(roomy, new PlanExpert(roomy, new ExpertSettings()), 60, mem1);

        tightEpisodes.Should().Contain(e => !e.Success, "faults eat into a tight turn limit");
        tightEpisodes.Where(e => !e.Success).Should().OnlyContain(e => e.Truncated && e.Last.StopReason == StopReason.MaxTurns, "every answer it gives is right");
        tightEpisodes.Where(e => e.Terminated).Should().OnlyContain(e => e.Success);
        tightEpisodes.SelectMany(e => e.Steps).SelectMany(s => s.ToolCalls).Should().Contain(c => c.Result.Error == Core.Tools.ToolErrorKind.TimedOut)
            .And.Contain(c => c.Result.Error == Core.Tools.ToolErrorKind.ToolError);
        roomyEpisodes.Should().OnlyContain(e => e.Success, "with turns to spare every fault is retried away");
    }
}
