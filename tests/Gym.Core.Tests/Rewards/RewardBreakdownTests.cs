using FluentAssertions;
using Gym.Core.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class RewardBreakdownTests
{
    [Fact]
    public void The_total_is_the_sum_of_raw_times_weight()
    {
        var breakdown = new RewardBreakdown(
        [
            new RewardTerm("format", RewardKind.Process, -1, 0.2),
            new RewardTerm("tool_call", RewardKind.Process, 0.5, 0.1),
            new RewardTerm("numeric_match", RewardKind.Outcome, 1, 2),
            new RewardTerm("metric_only", RewardKind.Outcome, 123, 0),
        ]);

        breakdown.Total.Should().BeApproximately(-0.2 + 0.05 + 2, 1e-12);
        breakdown.Terms.Select(t => t.Name).Should().Equal("format", "tool_call", "numeric_match", "metric_only");
        breakdown.Find("metric_only")!.Value.Should().Be(0, "weight 0 keeps a component as a metric only");
        breakdown.Find("metric_only")!.Raw.Should().Be(123);
        breakdown.Find("missing").Should().BeNull();
    }

    [Fact]
    public void Splits_the_total_into_process_and_outcome()
    {
        var breakdown = new RewardBreakdown(
        [
            new RewardTerm("a", RewardKind.Process, 1, 0.25),
            new RewardTerm("b", RewardKind.Outcome, 1, 3),
            new RewardTerm("c", RewardKind.Process, -2, 0.5),
        ]);

        breakdown.Process.Should().BeApproximately(-0.75, 1e-12);
        breakdown.Outcome.Should().BeApproximately(3, 1e-12);
        (breakdown.Process + breakdown.Outcome).Should().BeApproximately(breakdown.Total, 1e-12);
    }

    [Fact]
    public void An_empty_breakdown_is_zero()
    {
        RewardBreakdown.Empty.Total.Should().Be(0);
        RewardBreakdown.Empty.Process.Should().Be(0);
        RewardBreakdown.Empty.Outcome.Should().Be(0);
        RewardBreakdown.Empty.Terms.Should().BeEmpty();
    }

    [Fact]
    public void Rejects_a_component_name_used_twice()
    {
        var create = () => new RewardBreakdown([new RewardTerm("format", RewardKind.Process, 0, 1), new RewardTerm("format", RewardKind.Outcome, 1, 1)]);

        create.Should().Throw<ArgumentException>().WithMessage("reward component 'format' appears twice in one step*");
    }

    [Theory]
    [InlineData(double.NaN, 1)]
    [InlineData(double.PositiveInfinity, 1)]
    [InlineData(1, double.NegativeInfinity)]
    [InlineData(1, double.NaN)]
    public void Rejects_non_finite_raw_values_or_weights(double raw, double weight)
    {
        var create = () => new RewardBreakdown([new RewardTerm("x", RewardKind.Process, raw, weight)]);

        create.Should().Throw<ArgumentException>().WithMessage("reward component 'x' is not finite*");
    }

    [Fact]
    public void Keeps_the_terms_it_was_given_even_if_the_source_changes_later()
    {
        var terms = new List<RewardTerm> { new("a", RewardKind.Process, 1, 1) };
        var breakdown = new RewardBreakdown(terms);

        terms.Add(new RewardTerm("b", RewardKind.Process, 1, 1));

        breakdown.Terms.Should().ContainSingle();
        breakdown.Total.Should().Be(1);
    }
}
