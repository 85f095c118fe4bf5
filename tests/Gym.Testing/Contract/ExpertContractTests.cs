using FluentAssertions;
using Gym.Core.Checking;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Testing;

/// <summary>
/// The environment contract for an environment with an expert that solves it: every fact of
/// <see cref="EnvironmentContractTests"/> (which then plays the expert too) and the facts about the
/// expert's episodes. An environment without an expert subclasses <see cref="EnvironmentContractTests"/>,
/// so no fact here can pass for want of an expert.
/// </summary>
public abstract class ExpertContractTests : EnvironmentContractTests
{
    /// <summary>Makes a fresh expert policy that solves the environment.</summary>
    protected abstract IPolicy CreateExpert();

    private protected sealed override IPolicy? ExpertIfAny() => CreateExpert();

    /// <summary>The expert's episodes serialize to the same bytes on two runs of a seed.</summary>
    [Fact]
    public async Task The_same_seed_and_the_expert_give_byte_identical_trajectories()
    {
        foreach (var seed in Seeds)
        {
            var first = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(CreateEnvironment(), CreateExpert(), 0, seed));
            var second = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(CreateEnvironment(), CreateExpert(), 0, seed));
            second.Should().Be(first, $"seed {seed} with the same expert must give the same trajectory bytes");
        }
    }

    /// <summary>A reset clears everything the previous episode left on the instance, for the expert's episodes too.</summary>
    [Fact]
    public async Task A_reused_instance_plays_the_same_expert_episode_as_a_fresh_one()
    {
        var expert = CreateExpert();
        var reused = CreateEnvironment();
        await PlayAsync(reused, Seeds[^1], EnvironmentChecker.MalformedActions.Take(2).ToList());

        var again = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(reused, expert, 0, Seeds[0]));
        var fresh = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(CreateEnvironment(), expert, 0, Seeds[0]));

        again.Should().Be(fresh);
    }

    /// <summary>The expert solves every probed seed within the turn limit.</summary>
    [Fact]
    public async Task The_expert_ends_its_episodes_terminated_and_successful_before_the_turn_limit()
    {
        var expert = CreateExpert();
        foreach (var seed in Seeds)
        {
            var environment = CreateEnvironment();
            var record = await EpisodeRunner.RunAsync(environment, expert, 3, seed);

            record.Status.Should().Be(EpisodeStatus.Completed);
            record.Terminated.Should().BeTrue($"seed {seed}: the expert should finish the task, not run out of turns");
            record.Truncated.Should().BeFalse();
            record.Success.Should().BeTrue($"seed {seed}: the expert should solve the task");
            record.Turns.Count.Should().BeLessThanOrEqualTo(environment.MaxTurns);
            record.Turns.Take(record.Turns.Count - 1).Where(t => t.Terminated || t.Truncated || t.StopReason != StopReason.None).Should().BeEmpty();
        }
    }
}
