using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Index;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Index;

/// <summary>Common query terms only add score to documents that match a rarer term: ranking is unchanged, cost drops.</summary>
public sealed class CommonTermTests : IDisposable
{
    private readonly TempCacheRoot _cache = new();

    public void Dispose() => _cache.Dispose();

    // 300 people; "born" is in every document and "works" in two thirds, names are unique.
    private static List<CorpusDocument> People() =>
    [
        .. Enumerable.Range(0, 300).Select(i => new CorpusDocument(
            $"p{i}",
            $"Person{i} Surname{i % 97}",
            $"Person{i} Surname{i % 97} was born in town{i % 13}." + (i % 3 == 0 ? "" : $" Person{i} works at company{i % 7}."))),
    ];

    [Theory]
    [InlineData("Person42 born", 5)]
    [InlineData("Person7 Surname7 works", 5)]
    [InlineData("Surname11 born works town3", 10)]
    public void Rare_term_queries_rank_and_score_as_a_plain_or_query(string query, int k)
    {
        var corpus = People();
        using var fast = SearchIndex.Open(corpus, _cache.Options);
        using var plain = SearchIndex.Open(corpus, _cache.Options with { CommonTermShare = 1 });

        var expected = plain.Search(query, k).Where(h => h.Score > 0).ToList();
        var actual = fast.Search(query, k);

        // Every document that matches a rare term keeps its place and its score (up to float summation order).
        var rareMatches = expected.TakeWhile(h => actual.Any(a => a.Id == h.Id)).ToList();
        rareMatches.Should().NotBeEmpty();
        actual.Take(rareMatches.Count).Select(h => h.Id).Should().Equal(rareMatches.Select(h => h.Id));
        for (var i = 0; i < rareMatches.Count; i++)
        {
            actual[i].Score.Should().BeApproximately(rareMatches[i].Score, rareMatches[i].Score * 1e-5f);
        }
    }

    [Fact]
    public void A_query_of_common_terms_only_still_searches_them()
    {
        using var index = SearchIndex.Open(People(), _cache.Options);

        index.Search("born works", 3).Should().HaveCount(3);
    }

    [Fact]
    public void The_share_must_be_a_proportion()
    {
        var act = () => SearchIndex.Open(People(), _cache.Options with { CommonTermShare = 0 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*common-term share*");
    }
}
