using System.Text.Json;
using FluentAssertions;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class ToolRlTests
{
    private static ToolCall Call(string name, string arguments = "{}")
    {
        using var document = JsonDocument.Parse(arguments);
        return new ToolCall(name, document.RootElement.Clone());
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    [Fact]
    public void An_exact_match_earns_the_maximum()
    {
        ToolCall[] gold = [Call("search", """{"q": "paris", "k": 3}""")];

        var score = ToolRl.Score(true, [Call("search", """{"k": 3, "q": "paris"}""")], gold);

        score.MaxScore.Should().Be(4, "S_max = 1 + (1 + 2 params)");
        score.Score.Should().Be(4);
        score.Correctness.Should().Be(3);
        score.Format.Should().Be(1);
        score.Total.Should().Be(4);
        score.Matches.Should().Equal((0, 0));
    }

    [Fact]
    public void Scores_a_partial_answer_by_hand()
    {
        ToolCall[] gold = [Call("search", """{"q": "paris", "k": 3}"""), Call("calc", """{"expr": "1+1"}""")];
        ToolCall[] predicted = [Call("search", """{"q": "Paris", "k": 3.0, "extra": true}""")];

        var score = ToolRl.Score(false, predicted, gold);

        // names: J({search}, {search, calc}) = 1/2
        // pair:  J({q, k, extra}, {q, k}) = 2/3, values: k equal (3.0 == 3), q differs by case → +1
        // S_max = 1 + (1 + 2) + (1 + 1) = 6; R_correct = 6·(13/6)/6 − 3 = −5/6
        score.MaxScore.Should().Be(6);
        score.Score.Should().BeApproximately((1.0 / 2) + (2.0 / 3) + 1, 1e-12);
        score.Correctness.Should().BeApproximately(-5.0 / 6, 1e-12);
        score.Format.Should().Be(0);
        score.Total.Should().BeApproximately(-5.0 / 6, 1e-12);
        score.Matches.Should().Equal((0, 0));
    }

    [Fact]
    public void Unparseable_calls_get_the_minimum_correctness()
    {
        var score = ToolRl.Score(true, null, [Call("search", """{"q": "x"}""")]);

        score.Correctness.Should().Be(-3);
        score.Total.Should().Be(-2);
        score.MaxScore.Should().Be(3);
        score.Matches.Should().BeEmpty();
    }

    [Fact]
    public void No_calls_expected_and_none_made_is_fully_correct()
    {
        ToolRl.Score(true, [], []).Total.Should().Be(4, "Jaccard of two empty name sets is 1 and S_max = 1");
        ToolRl.Score(true, [Call("search")], []).Correctness.Should().Be(-3);
        ToolRl.Score(true, [], [Call("search")]).Correctness.Should().Be(-3);
    }

    [Fact]
    public void Calls_to_a_different_tool_are_never_matched()
    {
        var score = ToolRl.Score(true, [Call("lookup", """{"q": "x"}""")], [Call("search", """{"q": "x"}""")]);

        score.Matches.Should().BeEmpty();
        score.Score.Should().Be(0);
        score.Correctness.Should().Be(-3);
    }

    [Fact]
    public void Tool_names_are_compared_as_sets()
    {
        // Two gold calls to the same tool; one predicted call: names J({f}, {f}) = 1, one pair matched.
        var score = ToolRl.Score(true, [Call("f", """{"a": 1}""")], [Call("f", """{"a": 1}"""), Call("f", """{"a": 2}""")]);

        score.Score.Should().Be(1 + 2, "name Jaccard 1 plus one pair (1 + 1 value)");
        score.MaxScore.Should().Be(1 + 2 + 2);
        score.Matches.Should().Equal((0, 0));
    }

    [Fact]
    public void Calls_without_parameters_match_fully()
    {
        var score = ToolRl.Score(true, [Call("now")], [Call("now")]);

        score.Score.Should().Be(2, "names 1 + parameter names J(∅, ∅) = 1");
        score.Correctness.Should().Be(3);
    }

    [Theory]
    [InlineData("1", "1.0", true)]
    [InlineData("1", "1e0", true)]
    [InlineData("100", "1E2", true)]
    [InlineData("0.1", "0.10", true)]
    [InlineData("1", "2", false)]
    [InlineData("1", "\"1\"", false)]
    [InlineData("\"a\\u0062\"", "\"ab\"", true)]
    [InlineData("{\"x\": 1, \"y\": [1, 2]}", "{\"y\": [1, 2.0], \"x\": 1}", true)]
    [InlineData("[1, 2]", "[2, 1]", false)]
    [InlineData("{\"x\": 1}", "{\"x\": 1, \"y\": 2}", false)]
    [InlineData("null", "null", true)]
    [InlineData("true", "false", false)]
    public void Compares_values_as_json(string a, string b, bool equal) =>
        ToolRl.JsonEquals(Json(a), Json(b)).Should().Be(equal);

    [Fact]
    public void Value_equality_is_semantic_inside_the_score()
    {
        ToolCall[] gold = [Call("f", """{"n": 1, "o": {"a": 1, "b": [1, 2]}}""")];
        ToolCall[] predicted = [Call("f", """{"o": {"b": [1.0, 2], "a": 1.00}, "n": 1.0}""")];

        ToolRl.Score(true, predicted, gold).Correctness.Should().Be(3);
    }

    [Fact]
    public void Optimal_matching_beats_the_greedy_matching_of_the_released_code()
    {
        // Greedy (gold call by gold call, best remaining prediction) gives gold 0 the prediction that
        // gold 1 needs: g0–p0 = J({a,b},{a}) + 1 = 1.5 beats g0–p1 = 1 + 0 = 1, then g1–p1 = 0.5 + 0.
        // Optimal: g0–p1 (1) + g1–p0 (1 + 2) = 4.
        ToolCall[] gold = [Call("f", """{"a": 1}"""), Call("f", """{"a": 1, "b": 2}""")];
        ToolCall[] predicted = [Call("f", """{"a": 1, "b": 2}"""), Call("f", """{"a": 9}""")];

        var score = ToolRl.Score(true, predicted, gold);
        var greedy = GreedyScore(predicted, gold);

        greedy.Should().Be(1 + 1.5 + 0.5);
        score.Score.Should().Be(1 + 4);
        score.Score.Should().BeGreaterThan(greedy);
        score.MaxScore.Should().Be(6);
        score.Correctness.Should().Be(2);
        (6 * greedy / score.MaxScore - 3).Should().Be(0, "the greedy reward would have been 0 instead of 2");
        score.Matches.Should().Equal((1, 0), (0, 1));
    }

    [Fact]
    public void Stays_in_bounds_and_never_below_greedy_on_random_call_sets()
    {
        var random = new Random(7);
        string[] names = ["a", "b", "c"];
        string[] parameters = ["x", "y", "z"];
        string[] values = ["1", "1.0", "2", "\"s\"", "\"t\"", "[1, 2]", "[2, 1]", "{\"k\": 1}", "null", "true"];

        ToolCall RandomCall()
        {
            var chosen = parameters.Where(_ => random.Next(2) == 0).Select(p => $"\"{p}\": {values[random.Next(values.Length)]}");
            return Call(names[random.Next(names.Length)], "{" + string.Join(", ", chosen) + "}");
        }

        ToolCall[] RandomCalls() => [.. Enumerable.Range(0, random.Next(5)).Select(_ => RandomCall())];

        for (var trial = 0; trial < 1000; trial++)
        {
            var gold = RandomCalls();
            var predicted = random.Next(10) == 0 ? null : RandomCalls();
            var score = ToolRl.Score(random.Next(2) == 0, predicted, gold);

            score.Total.Should().BeInRange(-3, 4);
            score.Correctness.Should().BeInRange(-3, 3);
            score.Score.Should().BeInRange(0, score.MaxScore);
            if (predicted is null)
            {
                continue;
            }

            score.Score.Should().BeGreaterThanOrEqualTo(GreedyScore(predicted, gold) - 1e-12);
            score.Matches.Select(m => m.Predicted).Should().OnlyHaveUniqueItems();
            score.Matches.Select(m => m.Gold).Should().OnlyHaveUniqueItems();
            score.Matches.Where(m => predicted[m.Predicted].Name != gold[m.Gold].Name).Should().BeEmpty("only calls to the same tool are paired");
        }
    }

    [Fact]
    public void Rejects_null_gold_and_null_calls()
    {
        var nullGold = () => ToolRl.Score(true, [], null!);
        var nullCall = () => ToolRl.Score(true, [null!], [Call("f")]);

        nullGold.Should().Throw<ArgumentNullException>();
        nullCall.Should().Throw<ArgumentException>().WithMessage("predicted[0] is null*");
    }

    /// <summary>The released ToolRL matching: each gold call in order takes its best remaining same-name prediction.</summary>
    private static double GreedyScore(ToolCall[] predicted, ToolCall[] gold)
    {
        var predictedNames = predicted.Select(c => c.Name).ToHashSet();
        var goldNames = gold.Select(c => c.Name).ToHashSet();
        var union = predictedNames.Union(goldNames).Count();
        var score = union == 0 ? 1.0 : (double)predictedNames.Intersect(goldNames).Count() / union;
        var used = new HashSet<int>();
        foreach (var g in gold)
        {
            var best = -1;
            var bestScore = 0.0;
            for (var p = 0; p < predicted.Length; p++)
            {
                if (used.Contains(p) || predicted[p].Name != g.Name)
                {
                    continue;
                }

                var pair = ToolRl.PairScore(predicted[p], g);
                if (pair > bestScore)
                {
                    best = p;
                    bestScore = pair;
                }
            }

            if (best >= 0)
            {
                used.Add(best);
                score += bestScore;
            }
        }

        return score;
    }
}
