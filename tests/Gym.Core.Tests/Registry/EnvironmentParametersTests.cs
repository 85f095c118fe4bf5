using FluentAssertions;
using Gym.Core.Parsing;
using Gym.Core.Registry;
using Xunit;

namespace Gym.Core.Tests.Registry;

public sealed class EnvironmentParametersTests
{
    private static EnvironmentParameters Of(params string[] pairs) => EnvironmentParameters.Parse(pairs);

    [Fact]
    public void Parses_key_value_pairs_trimming_around_the_first_equals_sign()
    {
        var parameters = Of("difficulty=3", " name = two words ", "expr=a=b", "empty=");

        parameters.Keys.Should().BeEquivalentTo("difficulty", "name", "expr", "empty");
        parameters.GetInt("difficulty", 0).Should().Be(3);
        // There is no string getter: the enum error echoes the stored value.
        var name = () => parameters.GetEnum("name", DayOfWeek.Monday);
        var expression = () => parameters.GetEnum("expr", DayOfWeek.Monday);
        name.Should().Throw<EnvironmentParameterException>().WithMessage("*(got 'two words')");
        expression.Should().Throw<EnvironmentParameterException>().WithMessage("*(got 'a=b')");
    }

    [Fact]
    public void The_last_value_of_a_repeated_key_wins()
    {
        Of("n=1", "n=2").GetInt("n", 0).Should().Be(2);
    }

    [Theory]
    [InlineData("difficulty")]
    [InlineData("=3")]
    [InlineData("")]
    public void Rejects_a_pair_without_a_key_and_an_equals_sign(string pair)
    {
        var parse = () => Of(pair);

        parse.Should().Throw<EnvironmentParameterException>().WithMessage($"parameter '{pair}' must look like key=value");
    }

    [Fact]
    public void Returns_the_fallback_for_absent_keys()
    {
        var none = EnvironmentParameters.None;

        none.GetInt("a", 5, 1, 9).Should().Be(5);
        none.GetDouble("b", 0.5).Should().Be(0.5);
        none.GetEnum("c", ActionFormat.XmlTags).Should().Be(ActionFormat.XmlTags);
        none.Keys.Should().BeEmpty();
    }

    [Theory]
    [InlineData("0", "parameter 'n' must be between 1 and 5 (got 0)")]
    [InlineData("6", "parameter 'n' must be between 1 and 5 (got 6)")]
    [InlineData("2.5", "parameter 'n' must be a whole number (got '2.5')")]
    [InlineData("three", "parameter 'n' must be a whole number (got 'three')")]
    [InlineData("99999999999", "parameter 'n' must be a whole number (got '99999999999')")]
    public void Integer_errors_name_the_key_the_range_and_the_value(string value, string message)
    {
        var read = () => Of($"n={value}").GetInt("n", 1, 1, 5);

        read.Should().Throw<EnvironmentParameterException>().WithMessage(message);
    }

    [Fact]
    public void Accepts_integers_at_the_range_bounds()
    {
        Of("n=1").GetInt("n", 3, 1, 5).Should().Be(1);
        Of("n=5").GetInt("n", 3, 1, 5).Should().Be(5);
        Of("n=-4").GetInt("n", 0).Should().Be(-4);
    }

    [Theory]
    [InlineData("1.5", "parameter 'rate' must be between 0 and 1 (got 1.5)")]
    [InlineData("-0.1", "parameter 'rate' must be between 0 and 1 (got -0.1)")]
    [InlineData("NaN", "parameter 'rate' must be a number (got 'NaN')")]
    [InlineData("Infinity", "parameter 'rate' must be a number (got 'Infinity')")]
    [InlineData("0,5", "parameter 'rate' must be a number (got '0,5')")]
    public void Double_errors_name_the_key_the_range_and_the_value(string value, string message)
    {
        var read = () => Of($"rate={value}").GetDouble("rate", 0, 0, 1);

        read.Should().Throw<EnvironmentParameterException>().WithMessage(message);
    }

    [Fact]
    public void Reads_doubles_invariantly()
    {
        Of("rate=0.25").GetDouble("rate", 0, 0, 1).Should().Be(0.25);
        Of("rate=1e-3").GetDouble("rate", 0).Should().Be(0.001);
    }

    [Theory]
    [InlineData("xml-tags", ActionFormat.XmlTags)]
    [InlineData("XML_TAGS", ActionFormat.XmlTags)]
    [InlineData("XmlTags", ActionFormat.XmlTags)]
    [InlineData("json-tool-calls", ActionFormat.JsonToolCalls)]
    [InlineData("jsontoolcalls", ActionFormat.JsonToolCalls)]
    public void Matches_enums_in_kebab_snake_or_pascal_case(string value, ActionFormat expected) =>
        Of($"format={value}").GetEnum("format", ActionFormat.JsonToolCalls).Should().Be(expected);

    [Fact]
    public void An_unknown_enum_value_lists_the_allowed_ones_in_kebab_case()
    {
        var read = () => Of("format=yaml").GetEnum("format", ActionFormat.JsonToolCalls);

        read.Should().Throw<EnvironmentParameterException>().WithMessage("parameter 'format' must be one of json-tool-calls, xml-tags (got 'yaml')");
    }

    [Theory]
    [InlineData("JsonToolCalls", "json-tool-calls")]
    [InlineData("XmlTags", "xml-tags")]
    [InlineData("Simple", "simple")]
    [InlineData("already-kebab", "already-kebab")]
    public void Converts_pascal_case_to_kebab_case(string name, string kebab) => EnvironmentParameters.ToKebab(name).Should().Be(kebab);

    [Fact]
    public void EnsureAllUsed_names_the_first_unread_key_and_the_known_ones()
    {
        var parameters = Of("used=1", "zeta=2", "alpha=3");
        parameters.GetInt("used", 0);

        var ensure = () => parameters.EnsureAllUsed("test/x-v0", ["used", "other"]);

        ensure.Should().Throw<EnvironmentParameterException>().WithMessage("unknown parameter 'alpha' for test/x-v0 (known: used, other)");
    }

    [Fact]
    public void EnsureAllUsed_passes_once_every_key_was_read_even_if_it_failed_to_parse()
    {
        var parameters = Of("n=1", "rate=x");
        parameters.GetInt("n", 0);
        var bad = () => parameters.GetDouble("rate", 0);
        bad.Should().Throw<EnvironmentParameterException>();

        var ensure = () => parameters.EnsureAllUsed("test/x-v0", ["n", "rate"]);

        ensure.Should().NotThrow();
    }
}
