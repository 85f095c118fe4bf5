using FluentAssertions;
using Gym.Core.Rewards.Judging;
using Gym.Core.Rewards.Rubrics;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class RubricTests
{
    private static readonly RubricInput Paris = new("What is the capital of France? Answer in JSON.", """The answer: {"city": "Paris", "confidence": 0.9}""");

    [Fact]
    public async Task The_score_is_the_weighted_mean_of_the_soft_criteria()
    {
        var rubric = new Rubric(
        [
            new RubricCriterion("names paris", new ContainsRule("paris"), Weight: 3),
            new RubricCriterion("names lyon", new ContainsRule("lyon"), Weight: 1),
            new RubricCriterion("confident", new JsonPathRule("$.confidence", ">=", "0.5"), Weight: 0),
        ]);

        var result = await rubric.ScoreAsync(Paris);

        result.Score.Should().Be(0.75);
        result.GateFailed.Should().BeFalse();
        result.Criteria.Should().Equal(("names paris", 1.0), ("names lyon", 0.0), ("confident", 1.0));
    }

    [Fact]
    public async Task A_failed_hard_criterion_zeroes_the_score_but_every_criterion_is_still_reported()
    {
        var rubric = new Rubric(
        [
            new RubricCriterion("is json", new JsonPathRule("$", "exists", ""), Hard: true),
            new RubricCriterion("says lyon", new ContainsRule("Lyon"), Hard: true),
            new RubricCriterion("names paris", new ContainsRule("Paris"), Weight: 2),
        ]);

        var result = await rubric.ScoreAsync(Paris);

        result.Score.Should().Be(0);
        result.GateFailed.Should().BeTrue();
        result.Criteria.Should().Equal(("is json", 1.0), ("says lyon", 0.0), ("names paris", 1.0));
    }

    [Fact]
    public async Task Passing_hard_criteria_leave_the_soft_mean_alone()
    {
        var rubric = new Rubric(
        [
            new RubricCriterion("is json", new JsonPathRule("$.city", "exists", ""), Weight: 100, Hard: true),
            new RubricCriterion("names paris", new ContainsRule("Paris")),
            new RubricCriterion("has a year", new RegexRule(@"\b\d{4}\b")),
        ]);

        var result = await rubric.ScoreAsync(Paris);

        result.Score.Should().Be(0.5, "a hard criterion's weight does not enter the mean");
        result.GateFailed.Should().BeFalse();
    }

    [Fact]
    public async Task A_rubric_of_hard_criteria_only_scores_1_when_they_pass()
    {
        var rubric = new Rubric([new RubricCriterion("names paris", new ContainsRule("Paris"), Hard: true)]);

        (await rubric.ScoreAsync(Paris)).Score.Should().Be(1);
        (await rubric.ScoreAsync(Paris with { Text = "Lyon" })).Score.Should().Be(0);
    }

    [Fact]
    public async Task A_hard_criterion_passes_at_exactly_one_half()
    {
        var rubric = new Rubric(
        [
            new RubricCriterion("half", new FixedRule(0.5), Hard: true),
            new RubricCriterion("soft", new FixedRule(0.2)),
        ]);

        var result = await rubric.ScoreAsync(Paris);

        result.GateFailed.Should().BeFalse();
        result.Score.Should().Be(0.2);
    }

    [Fact]
    public void Criteria_must_be_present_uniquely_named_and_non_negatively_weighted()
    {
        var rule = new ContainsRule("x");

        FluentActions.Invoking(() => new Rubric([])).Should().Throw<ArgumentException>().WithMessage("*at least one*");
        FluentActions.Invoking(() => new Rubric([new("a", rule), new("a", rule)])).Should().Throw<ArgumentException>().WithMessage("*'a' appears twice*");
        FluentActions.Invoking(() => new Rubric([new("a", rule, Weight: -1)])).Should().Throw<ArgumentException>().WithMessage("*weight*");
        FluentActions.Invoking(() => new Rubric([new("a", rule, Weight: double.NaN)])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task A_rule_scoring_outside_0_1_is_an_error_naming_the_criterion()
    {
        var rubric = new Rubric([new RubricCriterion("broken", new FixedRule(1.5))]);

        var act = () => rubric.ScoreAsync(Paris);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*'broken'*");
    }

    [Fact]
    public async Task A_rubric_with_judge_criteria_asks_the_judge_server()
    {
        await using var server = await FakeJudgeServer.StartAsync(r =>
            r.System!.Contains("compare", StringComparison.Ordinal)
                ? (r.User.IndexOf("Paris", StringComparison.Ordinal) < r.User.IndexOf("Marseille", StringComparison.Ordinal) ? "[[A]]" : "[[B]]")
                : "Clear and correct.\nScore: 8");
        using var client = new JudgeClient(server.Endpoint());
        var judge = new LlmJudge(client);
        var rubric = new Rubric(
        [
            new RubricCriterion("names paris", new ContainsRule("Paris"), Hard: true),
            new RubricCriterion("correct", new JudgeRule(judge, JudgeProtocol.Pointwise, "the answer is factually correct"), Weight: 2),
            new RubricCriterion("better than reference", new JudgeRule(judge, JudgeProtocol.Pairwise, "names the capital")),
            new RubricCriterion("in range", new NumericRangeRule(0, 1)),
        ]);

        var result = await rubric.ScoreAsync(Paris with { Reference = "Marseille" });

        result.Criteria.Should().Equal(("names paris", 1.0), ("correct", 0.8), ("better than reference", 1.0), ("in range", 0.0));
        result.Score.Should().BeApproximately((2 * 0.8 + 1 + 0) / 4, 1e-12);
        server.Requests.Should().Be(3);
    }

    [Fact]
    public async Task Judge_criteria_are_asked_concurrently()
    {
        // Each request waits (up to 3 s) for the other to arrive: asked one after the other, both score 0.
        var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        await using var server = await FakeJudgeServer.StartAsync(async _ =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothArrived.TrySetResult();
            }

            var together = await Task.WhenAny(bothArrived.Task, Task.Delay(3000)) == bothArrived.Task;
            return ServerReply.Ok(together ? "Score: 10" : "Score: 0");
        });
        using var client = new JudgeClient(server.Endpoint());
        var judge = new LlmJudge(client);
        var rubric = new Rubric(
        [
            new RubricCriterion("one", new JudgeRule(judge, JudgeProtocol.Pointwise, "first criterion")),
            new RubricCriterion("two", new JudgeRule(judge, JudgeProtocol.Pointwise, "second criterion")),
        ]);

        var result = await rubric.ScoreAsync(Paris);

        result.Score.Should().Be(1);
    }

    [Fact]
    public async Task A_pairwise_judge_criterion_without_a_reference_is_a_clear_error()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "[[C]]");
        using var client = new JudgeClient(server.Endpoint());
        var rubric = new Rubric([new RubricCriterion("vs reference", new JudgeRule(new LlmJudge(client), JudgeProtocol.Pairwise, "c"))]);

        var act = () => rubric.ScoreAsync(Paris);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*pairwise*reference*");
        server.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_failing_judge_request_fails_the_rubric_with_the_judge_error()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => ServerReply.Error(401, "{\"error\":\"invalid api key\"}"));
        using var client = new JudgeClient(server.Endpoint());
        var rubric = new Rubric(
        [
            new RubricCriterion("cheap", new ContainsRule("Paris")),
            new RubricCriterion("judged", new JudgeRule(new LlmJudge(client), JudgeProtocol.Pointwise, "c")),
        ]);

        var act = () => rubric.ScoreAsync(Paris);

        (await act.Should().ThrowAsync<JudgeException>()).Which.StatusCode.Should().Be(401);
    }

    [Fact]
    public async Task An_unreadable_judge_reply_scores_the_judge_failure_value()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "no idea");
        using var client = new JudgeClient(server.Endpoint());
        var rubric = new Rubric([new RubricCriterion("judged", new JudgeRule(new LlmJudge(client, failureValue: 0.3), JudgeProtocol.Pointwise, "c"))]);

        (await rubric.ScoreAsync(Paris)).Score.Should().Be(0.3);
    }

    private sealed record FixedRule(double Value) : RubricRule
    {
        public override Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken) => Task.FromResult(Value);
    }
}
