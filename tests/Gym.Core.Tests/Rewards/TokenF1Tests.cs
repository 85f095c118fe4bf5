using FluentAssertions;
using Gym.Core.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class TokenF1Tests
{
    [Theory]
    [InlineData("Paris.", "paris", 1.0)]
    [InlineData("The cat sat", "cat sat on mat", 2.0 / 3)]      // P = 2/2, R = 2/4
    [InlineData("cat sat on mat by door", "cat sat", 0.5)]     // P = 2/6, R = 2/2
    [InlineData("x x y", "x y y", 2.0 / 3)]                    // repeated tokens count as a multiset: overlap 2
    [InlineData("dog", "cat", 0.0)]
    [InlineData("", "cat", 0.0)]
    [InlineData("cat", "the", 0.0)]
    [InlineData("The!", "a", 1.0)]                             // both empty after normalization
    public void Scores_hand_computed_pairs(string prediction, string gold, double expected) =>
        TokenF1.Score(prediction, [gold]).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public void Takes_the_best_gold_answer()
    {
        TokenF1.Score("cat sat", ["dog", "the cat sat on the mat", "cat"]).Should().BeApproximately(2.0 / 3, 1e-12);
        TokenF1.Score("cat sat", ["dog", "cat sat"]).Should().Be(1);
    }

    [Fact]
    public void Is_zero_without_gold_answers() => TokenF1.Score("anything", []).Should().Be(0);

    [Fact]
    public void Rejects_null_arguments()
    {
        var nullPrediction = () => TokenF1.Score(null!, ["a"]);
        var nullGolds = () => TokenF1.Score("a", null!);

        nullPrediction.Should().Throw<ArgumentNullException>();
        nullGolds.Should().Throw<ArgumentNullException>();
    }
}
