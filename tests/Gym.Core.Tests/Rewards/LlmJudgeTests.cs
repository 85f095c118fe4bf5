using FluentAssertions;
using Gym.Core.Rewards.Judging;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class LlmJudgeTests
{
    private const string Good = "Paris is the capital of France.";
    private const string Bad = "Lyon is the capital of France.";

    [Theory]
    [InlineData("The answer is correct.\nScore: 7", 0.7)]
    [InlineData("Score: 10", 1.0)]
    [InlineData("Score: 0", 0.0)]
    [InlineData("Mostly right.\nScore: 7.5", 0.75)]
    [InlineData("**Score:** 8", 0.8)]
    [InlineData("Final score = 6/10", 0.6)]
    [InlineData("score: 9\n", 0.9)]
    [InlineData("First I thought Score: 3, but on reflection...\nScore: 8", 0.8)]
    [InlineData("A 5/10 answer would miss the date, this one has it.\nScore: 9", 0.9)]
    [InlineData("Score: 7 (7/10)", 0.7)]
    public void Pointwise_replies_read_as_the_last_score_over_10(string reply, double expected)
    {
        var (score, failure) = JudgeReplyParser.ParseScore(reply);

        failure.Should().BeNull();
        score.Should().BeApproximately(expected, 1e-12);
    }

    [Theory]
    [InlineData("Score: 11", "outside 0..10")]
    [InlineData("Score: -1", "outside 0..10")]
    [InlineData("Score: 10.5", "outside 0..10")]
    [InlineData("I liked it a lot.", "no 'Score: N'")]
    [InlineData("Rating: 8", "no 'Score: N'")]
    [InlineData("", "no 'Score: N'")]
    [InlineData("Score: 4/5", "another scale")]
    [InlineData("Score: 7-8", "range")]
    [InlineData("Score: 7\nRating: 9", "conflicting")]
    [InlineData("Score: 7\nOverall 9/10", "conflicting")]
    [InlineData("Score: 7 [[3]]", "conflicting")]
    public void Unreadable_pointwise_replies_are_failures(string reply, string why)
    {
        var (score, failure) = JudgeReplyParser.ParseScore(reply);

        score.Should().BeNull();
        failure.Should().Contain(why);
    }

    [Theory]
    [InlineData("A is better.\n[[A]]", 'A')]
    [InlineData("Both are fine.\n[[C]]", 'C')]
    [InlineData("Verdict: **[[B]]**.", 'B')]
    [InlineData("I was asked to answer [[A]], [[B]] or [[C]]. B is better.\n[[b]]\n", 'B')]
    public void Pairwise_replies_read_as_the_final_verdict(string reply, char expected)
    {
        var (verdict, failure) = JudgeReplyParser.ParseVerdict(reply);

        failure.Should().BeNull();
        verdict.Should().Be(expected);
    }

    [Theory]
    [InlineData("A is better.")]
    [InlineData("[[A]] because it names the right city.")]
    [InlineData("Hard to say: [[A]] or [[B]]")]
    [InlineData("[[D]]")]
    public void Unreadable_pairwise_replies_are_failures(string reply)
    {
        var (verdict, failure) = JudgeReplyParser.ParseVerdict(reply);

        verdict.Should().BeNull();
        failure.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Pointwise_asks_for_a_0_to_10_score_ignoring_length_and_reads_it()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "Correct city.\nScore: 9");
        using var client = new JudgeClient(server.Endpoint());
        var judge = new LlmJudge(client);

        var verdict = await judge.PointwiseAsync("names the correct capital", "What is the capital of France?", Good);

        verdict.Should().Be(new JudgeVerdict(0.9, true));
        var prompt = server.Received.Single().User;
        prompt.Should().Contain("names the correct capital").And.Contain("What is the capital of France?").And.Contain(Good);
        prompt.Should().Contain("0").And.Contain("10").And.Contain("Score: N");
        prompt.Should().Contain("Ignore the response's length, style");
    }

    [Fact]
    public async Task An_unreadable_pointwise_reply_scores_the_failure_value()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "What a lovely answer!");
        using var client = new JudgeClient(server.Endpoint());
        var judge = new LlmJudge(client, failureValue: 0.25);

        var verdict = await judge.PointwiseAsync("c", "t", "a");

        verdict.Parsed.Should().BeFalse();
        verdict.Score.Should().Be(0.25);
        verdict.Failure.Should().Contain("Score");
    }

    [Fact]
    public async Task An_out_of_range_pointwise_reply_scores_the_failure_value()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "Score: 42");
        using var client = new JudgeClient(server.Endpoint());

        var verdict = await new LlmJudge(client).PointwiseAsync("c", "t", "a");

        verdict.Should().Be(new JudgeVerdict(0, false, "score 42 is outside 0..10"));
    }

    [Fact]
    public async Task A_judge_that_always_prefers_the_first_shown_answer_scores_exactly_one_half()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "The first one is better.\n[[A]]");
        using var client = new JudgeClient(server.Endpoint());

        var verdict = await new LlmJudge(client).PairwiseAsync("names the correct capital", "Capital of France?", Bad, Good);

        verdict.Should().Be(new JudgeVerdict(0.5, true));
        var prompts = server.Received.Select(r => r.User).ToList();
        prompts.Should().HaveCount(2);
        prompts.Should().ContainSingle(p => p.IndexOf(Bad, StringComparison.Ordinal) < p.IndexOf(Good, StringComparison.Ordinal));
        prompts.Should().ContainSingle(p => p.IndexOf(Good, StringComparison.Ordinal) < p.IndexOf(Bad, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Good, Bad, 1.0)]
    [InlineData(Bad, Good, 0.0)]
    public async Task A_judge_that_picks_the_truly_better_answer_scores_it_1_and_the_worse_0(string answer, string reference, double expected)
    {
        await using var server = await FakeJudgeServer.StartAsync(TrulyBetter);
        using var client = new JudgeClient(server.Endpoint());

        var verdict = await new LlmJudge(client).PairwiseAsync("names the correct capital", "Capital of France?", answer, reference);

        verdict.Should().Be(new JudgeVerdict(expected, true));
    }

    [Fact]
    public async Task A_tie_in_both_orders_scores_one_half()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "Equally good.\n[[C]]");
        using var client = new JudgeClient(server.Endpoint());

        var verdict = await new LlmJudge(client).PairwiseAsync("c", "t", "x", "y");

        verdict.Should().Be(new JudgeVerdict(0.5, true));
    }

    [Fact]
    public async Task A_win_in_one_order_and_a_tie_in_the_other_scores_three_quarters()
    {
        // Prefers the answer when it is shown first, calls a tie otherwise.
        await using var server = await FakeJudgeServer.StartAsync(r =>
            r.User.IndexOf("ANSWER", StringComparison.Ordinal) < r.User.IndexOf("REFERENCE", StringComparison.Ordinal) ? "[[A]]" : "[[C]]");
        using var client = new JudgeClient(server.Endpoint());

        var verdict = await new LlmJudge(client).PairwiseAsync("c", "t", "ANSWER", "REFERENCE");

        verdict.Should().Be(new JudgeVerdict(0.75, true));
    }

    [Fact]
    public async Task An_unreadable_reply_in_either_order_scores_the_failure_value()
    {
        await using var server = await FakeJudgeServer.StartAsync(r =>
            r.User.IndexOf("ANSWER", StringComparison.Ordinal) < r.User.IndexOf("REFERENCE", StringComparison.Ordinal) ? "[[A]]" : "I cannot decide.");
        using var client = new JudgeClient(server.Endpoint());

        var verdict = await new LlmJudge(client, failureValue: 0.1).PairwiseAsync("c", "t", "ANSWER", "REFERENCE");

        verdict.Parsed.Should().BeFalse();
        verdict.Score.Should().Be(0.1);
        verdict.Failure.Should().Contain("answer shown as B");
    }

    [Fact]
    public async Task The_pairwise_prompt_tells_the_judge_to_ignore_length_and_order()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "[[C]]");
        using var client = new JudgeClient(server.Endpoint());

        await new LlmJudge(client).PairwiseAsync("c", "t", "x", "y");

        var prompt = server.Received[0].User;
        prompt.Should().Contain("longer or shorter").And.Contain("order in which the responses are presented").And.Contain("[[A]]").And.Contain("[[B]]").And.Contain("[[C]]");
    }

    [Fact]
    public async Task Repeating_a_pairwise_judgement_is_served_from_the_cache()
    {
        await using var server = await FakeJudgeServer.StartAsync(TrulyBetter);
        using var cache = new JudgeCache();
        using var client = new JudgeClient(server.Endpoint(), cache);
        var judge = new LlmJudge(client);

        var first = await judge.PairwiseAsync("c", "t", Good, Bad);
        var second = await judge.PairwiseAsync("c", "t", Good, Bad);

        second.Should().Be(first);
        server.Requests.Should().Be(2);
        cache.Hits.Should().Be(2);
    }

    [Fact]
    public void The_failure_value_must_lie_in_0_1()
    {
        using var client = new JudgeClient(new JudgeEndpoint(new Uri("http://127.0.0.1:1/v1"), "m"));

        var act = () => new LlmJudge(client, failureValue: 1.5);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static string TrulyBetter(JudgeRequest request)
    {
        var user = request.User;
        var goodFirst = user.IndexOf(Good, StringComparison.Ordinal) < user.IndexOf(Bad, StringComparison.Ordinal);
        return goodFirst ? "Response A names Paris.\n[[A]]" : "Response B names Paris.\n[[B]]";
    }
}
