using FluentAssertions;
using Gym.Core.Rewards;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class NumericMatchTests
{
    [Theory]
    [InlineData("42", 42)]
    [InlineData("  42  ", 42)]
    [InlineData("1,234", 1234)]
    [InlineData("1,234,567.5", 1234567.5)]
    [InlineData("42.", 42)]
    [InlineData("= 42", 42)]
    [InlineData("x = -17", -17)]
    [InlineData("-3.25", -3.25)]
    [InlineData("+8", 8)]
    [InlineData("The answer is 99", 99)]
    [InlineData("$5,000.", 5000)]
    [InlineData("2.5e3", 2500)]
    [InlineData("0.000001", 0.000001)]
    public void Parses_the_single_number_an_answer_states(string answer, double expected) =>
        NumericMatch.Parse(answer).Should().Be(expected);

    [Theory]
    [InlineData("")]
    [InlineData("forty-two")]
    [InlineData("abc")]
    [InlineData("12 and 13")]
    [InlineData("12 13")]
    [InlineData("3 + 4")]
    [InlineData("42 apples")]
    [InlineData("1,23")]
    [InlineData("12,3456")]
    [InlineData("1.2.3")]
    [InlineData("--5")]
    [InlineData("1e999")]
    public void Rejects_garbage_and_answers_with_two_numbers(string answer) =>
        NumericMatch.Parse(answer).Should().BeNull();

    [Theory]
    [InlineData("4829", 4829, true)]
    [InlineData("4,829", 4829, true)]
    [InlineData("4830", 4829, false)]
    [InlineData("1000000.5", 1000000, true)]
    [InlineData("1000002", 1000000, false)]
    [InlineData("0.0000000005", 0, true)]
    [InlineData("0.000001", 0, false)]
    [InlineData("-2", 2, false)]
    [InlineData("0.1", 0.1, true)]
    [InlineData("3.3333333", 10.0 / 3, true)]
    [InlineData("3.33", 10.0 / 3, false)]
    [InlineData("two", 2, false)]
    public void Matches_within_the_default_tolerance(string answer, double gold, bool expected) =>
        NumericMatch.Matches(answer, gold).Should().Be(expected);

    [Fact]
    public void Honours_custom_tolerances()
    {
        NumericMatch.Matches("101", 100, relative: 0.02).Should().BeTrue();
        NumericMatch.Matches("103", 100, relative: 0.02).Should().BeFalse();
        NumericMatch.Matches("0.4", 0, relative: 0, absolute: 0.5).Should().BeTrue();
        NumericMatch.Matches("100.0000001", 100, relative: 0, absolute: 0).Should().BeFalse();
    }
}
