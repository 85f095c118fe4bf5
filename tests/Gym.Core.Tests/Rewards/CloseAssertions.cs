using FluentAssertions;

namespace Gym.Core.Tests.Rewards;

/// <summary>Element-wise comparison of computed doubles with hand-written expected values.</summary>
internal static class CloseAssertions
{
    public static void ShouldBeClose(this IEnumerable<double> actual, params double[] expected) =>
        actual.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-9, "every element should be within 1e-9 of [{0}]", string.Join(", ", expected));
}
