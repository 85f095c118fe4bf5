using FluentAssertions;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Core.Tests.Composition;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Core.Tests.Rewards.Program;

public sealed class RescoreTests
{
    private static RewardProgram Program(params (string Kind, double Weight)[] components) =>
        new([.. components.Select(c => RewardComponentCatalog.Create(new ComponentDefinition(c.Kind, c.Kind, c.Weight, c.Kind is "exact_match" or "numeric_match" ? RewardKind.Outcome : RewardKind.Process, new Dictionary<string, string>())))]);

    private static AdderEnvironment Adder(RewardProgram? program, int maxTurns = 5) => new(new ToolEnvironmentSettings(MaxTurns: maxTurns) { Rewards = program });

    private static async Task<List<EpisodeRecord>> Run(IEnvironment environment, int episodes)
    {
        var records = new List<EpisodeRecord>();
        for (var i = 0; i < episodes; i++)
        {
            var expert = new PlanExpert(new AdderEnvironment(new ToolEnvironmentSettings()), new ExpertSettings(ErrorRate: 0.4, Seed: 11));
            records.Add(await EpisodeRunner.RunAsync(environment, expert, i, 100 + i));
        }

        return records;
    }

    [Fact]
    public async Task Rescoring_under_the_same_program_reproduces_the_record_exactly()
    {
        var environment = Adder(Program(("format", 0.2), ("toolrl", 0.1), ("numeric_match", 1)));
        var records = await Run(environment, 20);
        foreach (var record in records)
        {
            var rescored = await EpisodeRescorer.RescoreAsync(Adder(Program(("format", 0.2), ("toolrl", 0.1), ("numeric_match", 1))), record);
            TrajectoryJson.Serialize(rescored).Should().Be(TrajectoryJson.Serialize(record));
        }
    }

    [Fact]
    public async Task Rescoring_under_a_new_program_equals_playing_under_it()
    {
        var before = await Run(Adder(null), 20);
        var after = await Run(Adder(Program(("turn_cost", 0.05), ("toolrl", 0.1), ("exact_match", 2))), 20);
        var environment = Adder(Program(("turn_cost", 0.05), ("toolrl", 0.1), ("exact_match", 2)));
        for (var i = 0; i < before.Count; i++)
        {
            var rescored = await EpisodeRescorer.RescoreAsync(environment, before[i]);
            TrajectoryJson.Serialize(rescored).Should().Be(TrajectoryJson.Serialize(after[i]));
        }

        after.Select(r => r.TotalReward).Should().NotEqual(before.Select(r => r.TotalReward), "the test must compare different programs");
    }

    [Fact]
    public async Task Rescoring_through_distractors_uses_the_recorded_tool_results()
    {
        var inner = Adder(null);
        var records = await Run(new DistractorEnvironment(inner, new DistractorOptions(0.5)), 5);
        var rescored = await EpisodeRescorer.RescoreAsync(new DistractorEnvironment(Adder(Program(("tool_call", 1))), new DistractorOptions(0.5)), records[0]);
        rescored.Turns.Select(t => t.Observation).Should().BeEquivalentTo(records[0].Turns.Select(t => t.Observation), o => o.WithStrictOrdering());
        rescored.Turns.Should().OnlyContain(t => t.Breakdown.Terms.Length == 1 && t.Breakdown.Terms[0].Name == "tool_call");
    }

    [Fact]
    public async Task A_replay_that_ends_differently_is_reported_with_episode_and_turn()
    {
        var records = await Run(Adder(null, maxTurns: 5), 10);
        var longOne = records.First(r => r.Turns.Count >= 3);
        var act = async () => await EpisodeRescorer.RescoreAsync(Adder(null, maxTurns: 2), longOne);
        (await act.Should().ThrowAsync<RescoreException>()).WithMessage($"episode {longOne.Episode}, turn *");
    }

    [Fact]
    public async Task A_record_whose_calls_differ_from_the_action_is_a_mismatch()
    {
        var records = await Run(Adder(null), 10);
        var record = records.First(r => r.Turns.Any(t => t.ToolCalls.Count > 0));
        var index = record.Turns.ToList().FindIndex(t => t.ToolCalls.Count > 0);
        var tampered = record with { Turns = [.. record.Turns.Select((t, i) => i == index ? t with { ToolCalls = [] } : t)] };
        var act = async () => await EpisodeRescorer.RescoreAsync(Adder(null), tampered);
        (await act.Should().ThrowAsync<RescoreException>()).WithMessage("*tool call(s) but 0 were recorded*");
    }
}
