using System.Diagnostics;
using FluentAssertions;
using Gym.Core.Rewards.Rubrics;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class RubricRuleTests
{
    private static Task<double> Score(RubricRule rule, string text, string? reference = null) =>
        rule.ScoreAsync(new RubricInput("task", text, reference), CancellationToken.None);

    [Theory]
    [InlineData(@"\bParis\b", false, "The capital is Paris.", 1)]
    [InlineData(@"\bParis\b", false, "The capital is paris.", 0)]
    [InlineData(@"\bParis\b", true, "The capital is paris.", 1)]
    [InlineData(@"^\d{4}-\d{2}-\d{2}$", false, "2024-02-29", 1)]
    [InlineData(@"^\d{4}-\d{2}-\d{2}$", false, "on 2024-02-29", 0)]
    public async Task Regex_rule_scores_1_on_a_match(string pattern, bool ignoreCase, string text, double expected) =>
        (await Score(new RegexRule(pattern, ignoreCase), text)).Should().Be(expected);

    [Fact]
    public void An_invalid_regex_is_an_argument_error_quoting_the_regex_error()
    {
        var act = () => new RegexRule("(unclosed");

        act.Should().Throw<ArgumentException>().WithMessage("*(unclosed*").And.InnerException.Should().NotBeNull();
    }

    [Fact]
    public async Task A_regex_that_runs_past_its_timeout_scores_0()
    {
        var rule = new RegexRule("^(a+)+$");
        var clock = Stopwatch.StartNew();

        var score = await Score(rule, new string('a', 40) + "!");

        score.Should().Be(0);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the 1 s match timeout stops a match that would otherwise run for hours");
    }

    [Fact]
    public void Regex_rules_compare_by_pattern_and_options()
    {
        new RegexRule("a+").Should().Be(new RegexRule("a+"));
        new RegexRule("a+").GetHashCode().Should().Be(new RegexRule("a+").GetHashCode());
        new RegexRule("a+").Should().NotBe(new RegexRule("a+", IgnoreCase: true));
    }

    [Theory]
    [InlineData("paris", true, "The capital is Paris.", 1)]
    [InlineData("paris", false, "The capital is Paris.", 0)]
    [InlineData("Paris", false, "The capital is Paris.", 1)]
    [InlineData("Lyon", true, "The capital is Paris.", 0)]
    public async Task Contains_rule_scores_1_when_the_text_is_present(string needle, bool ignoreCase, string text, double expected) =>
        (await Score(new ContainsRule(needle, ignoreCase), text)).Should().Be(expected);

    [Fact]
    public void Contains_rule_ignores_case_by_default_and_rejects_an_empty_needle()
    {
        new ContainsRule("x").IgnoreCase.Should().BeTrue();
        var act = () => new ContainsRule("");
        act.Should().Throw<ArgumentException>();
    }

    private const string Order = """{"status":"ok","total":42.5,"items":[{"name":"apple","qty":3},{"name":"pear","qty":0}],"tags":["fresh","local"],"note":null,"paid":true,"meta":{"a b":1}}""";

    [Theory]
    [InlineData(Order, "$.status", "==", "ok", 1)]
    [InlineData(Order, "$.status", "==", "OK", 0)]
    [InlineData(Order, "$.status", "!=", "failed", 1)]
    [InlineData(Order, "$.total", "==", "42.50", 1)]
    [InlineData(Order, "$.total", ">", "42", 1)]
    [InlineData(Order, "$.total", ">=", "42.5", 1)]
    [InlineData(Order, "$.total", "<", "100", 1)]
    [InlineData(Order, "$.total", "<", "9", 0)]
    [InlineData(Order, "$.total", "<=", "42.5", 1)]
    [InlineData(Order, "$.total", "==", "forty", 0)]
    [InlineData(Order, "$.items[0].name", "==", "apple", 1)]
    [InlineData(Order, "$.items[1].qty", "==", "0", 1)]
    [InlineData(Order, "$.items[1]['name']", "==", "pear", 1)]
    [InlineData(Order, "$[\"items\"][0][\"qty\"]", ">", "2", 1)]
    [InlineData(Order, "$.meta['a b']", "==", "1", 1)]
    [InlineData(Order, "$.items[0].name", "<", "banana", 1)]
    [InlineData(Order, "$.items[0].name", ">", "banana", 0)]
    [InlineData(Order, "$.status", "contains", "k", 1)]
    [InlineData(Order, "$.tags", "contains", "local", 1)]
    [InlineData(Order, "$.tags", "contains", "stale", 0)]
    [InlineData(Order, "$.meta", "contains", "a b", 1)]
    [InlineData(Order, "$.paid", "==", "true", 1)]
    [InlineData(Order, "$.note", "==", "null", 1)]
    [InlineData(Order, "$.tags", "==", "[\"fresh\", \"local\"]", 1)]
    [InlineData(Order, "$.items[0]", "==", "{\"qty\":3,\"name\":\"apple\"}", 1)]
    [InlineData(Order, "$.note", "exists", "", 1)]
    [InlineData(Order, "$.items[5]", "exists", "", 0)]
    [InlineData(Order, "$.discount", "exists", "false", 1)]
    [InlineData(Order, "$.status", "exists", "false", 0)]
    [InlineData(Order, "$.discount", "==", "0", 0)]
    [InlineData(Order, "$.discount", "!=", "0", 0)]
    [InlineData(Order, "$.items[9].name", "==", "apple", 0)]
    [InlineData(Order, "$.status.deeper", "==", "ok", 0)]
    [InlineData(Order, "$", "exists", "", 1)]
    [InlineData("Here is the result:\n```json\n" + Order + "\n```\nHope that helps {really}.", "$.items[0].qty", "==", "3", 1)]
    [InlineData("See [note 1]. Result: [1, 2, {\"x\": \"[]\"}] done", "$[2].x", "==", "[]", 1)]
    [InlineData("no json here", "$.a", "exists", "", 0)]
    [InlineData("no json here", "$.a", "exists", "false", 0)]
    [InlineData("{\"a\": 1", "$.a", "==", "1", 0)]
    public async Task Json_path_rule_compares_the_value_at_the_path(string text, string path, string op, string value, double expected) =>
        (await Score(new JsonPathRule(path, op, value), text)).Should().Be(expected);

    [Theory]
    [InlineData("a.b")]
    [InlineData("$.")]
    [InlineData("$..a")]
    [InlineData("$.a[")]
    [InlineData("$.a[x]")]
    [InlineData("$.a[-1]")]
    [InlineData("$.a[*]")]
    [InlineData("$a")]
    public void Invalid_json_paths_are_rejected_at_construction(string path)
    {
        var act = () => new JsonPathRule(path, "==", "x");

        act.Should().Throw<ArgumentException>().WithMessage($"*invalid JSON path*");
    }

    [Fact]
    public void Unknown_operators_are_rejected_at_construction()
    {
        var act = () => new JsonPathRule("$.a", "=~", "x");

        act.Should().Throw<ArgumentException>().WithMessage("*=~*");
    }

    [Theory]
    [InlineData(0.0, 10.0, "The answer is 7", 1)]
    [InlineData(0.0, 10.0, "10", 1)]
    [InlineData(0.0, 10.0, "0", 1)]
    [InlineData(0.0, 10.0, "10.01", 0)]
    [InlineData(0.0, 10.0, "-3", 0)]
    [InlineData(0.0, 10.0, "seven", 0)]
    [InlineData(0.0, 10.0, "3 or 4", 0)]
    [InlineData(null, 100.0, "-1,000", 1)]
    [InlineData(5.0, null, "1e6", 1)]
    [InlineData(5.0, null, "4.99", 0)]
    public async Task Numeric_range_rule_checks_the_single_stated_number(double? min, double? max, string text, double expected) =>
        (await Score(new NumericRangeRule(min, max), text)).Should().Be(expected);

    [Fact]
    public void A_numeric_range_with_max_below_min_is_rejected()
    {
        var act = () => new NumericRangeRule(5, 1);

        act.Should().Throw<ArgumentException>();
    }
}
