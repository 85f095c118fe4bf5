using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Core.Tests.Trajectories;

public sealed class GroupAdvantageStatsTests
{
    [Fact]
    public void Zero_variance_groups_are_counted_and_advantages_averaged_over_the_rest()
    {
        var stats = GroupAdvantageStats.From([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [5.0]])!;

        stats.K.Should().Be(2);
        stats.Groups.Should().Be(3, "the group of one (a run cut short) is left out");
        stats.ZeroVarianceGroups.Should().Be(2);
        stats.ZeroVarianceShare.Should().BeApproximately(2 / 3.0, 1e-12);
        stats.MeanAbsGrpo.Should().BeApproximately(0.5 / (0.5 + 1e-6), 1e-12);
        stats.MeanAbsRloo.Should().Be(1);
        stats.MeanGroupStd.Should().BeApproximately(0.5 / 3, 1e-12);
    }

    [Fact]
    public void Runs_without_repeated_seeds_have_no_group_stats()
    {
        GroupAdvantageStats.From([[1.0], [0.0]]).Should().BeNull();
        GroupAdvantageStats.From([]).Should().BeNull();
    }
}
