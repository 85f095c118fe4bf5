using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Index;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Index;

public sealed class TinyIndexFixture : IDisposable
{
    private readonly TempCacheRoot _root = new();

    public TinyIndexFixture()
    {
        Index = SearchIndex.Open(TinyCorpus.Documents, _root.Options);
    }

    public SearchIndex Index { get; }

    public void Dispose()
    {
        Index.Dispose();
        _root.Dispose();
    }
}

public sealed class SearchIndexSearchTests(TinyIndexFixture fixture) : IClassFixture<TinyIndexFixture>
{
    private readonly SearchIndex _index = fixture.Index;

    public static TheoryData<string, string> Questions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (query, title) in TinyCorpus.Questions)
        {
            data.Add(query, title);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Questions))]
    public void Bm25_ranks_the_obviously_relevant_document_first(string query, string bestTitle)
    {
        var hits = _index.Search(query, 3);

        hits.Should().NotBeEmpty();
        hits[0].Title.Should().Be(bestTitle);
    }

    [Fact]
    public void Hits_carry_the_whole_document_with_ranks_from_one_and_falling_scores()
    {
        var hits = _index.Search("Christopher Nolan film", 5);

        hits.Select(h => h.Rank).Should().Equal(Enumerable.Range(1, hits.Count));
        hits.Select(h => h.Score).Should().BeInDescendingOrder();
        hits.Should().OnlyContain(h => h.Score > 0);
        foreach (var hit in hits)
        {
            var source = TinyCorpus.Documents.Single(d => d.Id == hit.Id);
            hit.Title.Should().Be(source.Title);
            hit.Text.Should().Be(source.Text);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Top_k_is_respected(int k)
    {
        // "the" is a stop word; "film", "france", "river" between them match more than five documents.
        _index.Search("film France river Africa Nolan", k).Should().HaveCount(k);
    }

    [Fact]
    public void K_beyond_the_corpus_returns_every_match_and_the_default_k_comes_from_the_options()
    {
        _index.Search("Inception", 100).Select(h => h.Id).Should().BeEquivalentTo(["d01", "d02", "d10"]);
        _index.Options.TopK.Should().Be(3);
        _index.Search("film France river Africa Nolan").Should().HaveCount(3);
    }

    [Fact]
    public void A_title_match_outranks_passing_mentions()
    {
        _index.Search("Seine", 3)[0].Title.Should().Be("Seine");
        _index.Search("Paris", 3)[0].Title.Should().Be("Paris");
    }

    [Fact]
    public void English_stemming_matches_other_forms_of_a_word()
    {
        // The corpus says "flows"/"flowing", "river" and never "rivers flowed".
        _index.Search("rivers flowed", 2).Select(h => h.Title).Should().BeEquivalentTo(["Nile", "Seine"]);
    }

    [Theory]
    [InlineData("\"Everest")]
    [InlineData("Everest:")]
    [InlineData("title:(Everest")]
    [InlineData("Everest AND")]
    [InlineData("Everest* OR")]
    [InlineData("Everest~2")]
    [InlineData("Everest^3")]
    [InlineData("[Everest TO }")]
    [InlineData("/Everest/")]
    [InlineData("!Everest && ||")]
    [InlineData("-Everest +")]
    [InlineData("Everest \\")]
    [InlineData("{Everest}")]
    [InlineData("text:Everest NOT")]
    [InlineData("title:\"Mount Everest\"")]
    public void Lucene_syntax_in_a_query_is_plain_text(string query)
    {
        var hits = _index.Search(query, 3);

        hits.Should().NotBeEmpty();
        hits[0].Title.Should().Be("Mount Everest");
    }

    [Theory]
    [InlineData("\"")]
    [InlineData(":")]
    [InlineData("(")]
    [InlineData(")")]
    [InlineData("AND")]
    [InlineData("OR NOT AND TO")]
    [InlineData("*")]
    [InlineData("?")]
    [InlineData("~")]
    [InlineData("\\")]
    [InlineData("&& || !")]
    [InlineData("+-{}[]^\"~*?:\\/")]
    [InlineData("the of and is")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void A_query_with_no_indexable_terms_returns_nothing_without_throwing(string query)
    {
        _index.Search(query, 5).Should().BeEmpty();
    }

    [Fact]
    public void An_enormous_query_does_not_hit_the_clause_limit()
    {
        // Only the first 256 distinct terms count (Lucene allows 1,024 clauses, two per term).
        var words = "Everest " + string.Join(' ', Enumerable.Range(0, 3000).Select(i => "word" + i));

        _index.Search(words, 3)[0].Title.Should().Be("Mount Everest");
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        _index.Invoking(i => i.Search(null!, 3)).Should().Throw<ArgumentNullException>();
        _index.Invoking(i => i.Search("paris", 0)).Should().Throw<ArgumentOutOfRangeException>();
        _index.Invoking(i => i.Get(null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Get_returns_a_document_by_id_or_null()
    {
        _index.Get("d05").Should().Be(TinyCorpus.Documents[4]);
        _index.Get("D05").Should().BeNull();
        _index.Get("nope").Should().BeNull();
        _index.Get(string.Empty).Should().BeNull();
    }

    [Fact]
    public void GetByTitle_matches_the_exact_title()
    {
        _index.GetByTitle("Oppenheimer (film)").Should().Be(TinyCorpus.Documents[10]);
        _index.GetByTitle("oppenheimer (film)").Should().BeNull();
        _index.GetByTitle("Oppenheimer").Should().BeNull();
    }

    [Fact]
    public void Concurrent_searches_return_what_sequential_ones_do()
    {
        var queries = TinyCorpus.Questions.Select(q => q.Query)
            .Concat(["film", "river France", "Nolan Inception DiCaprio", "python", "capital city", "Everest~", "\"unbalanced"])
            .ToArray();
        var expected = queries.Select(q => Signature(_index.Search(q, 4))).ToArray();

        var failures = 0;
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var q = i % queries.Length;
            if (Signature(_index.Search(queries[q], 4)) != expected[q])
            {
                Interlocked.Increment(ref failures);
            }
        });

        failures.Should().Be(0);
    }

    private static string Signature(IReadOnlyList<SearchHit> hits) => string.Join('|', hits.Select(h => $"{h.Rank}:{h.Id}:{h.Score:R}"));
}

public sealed class SearchIndexSmallCorpusTests : IDisposable
{
    private readonly TempCacheRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Equal_scores_keep_corpus_order()
    {
        var corpus = Enumerable.Range(0, 40).Select(i => new CorpusDocument($"id{i:D2}", "Twin", "identical body text about lighthouses")).ToList();
        using var index = SearchIndex.Open(corpus, _root.Options);

        index.Search("lighthouses", 5).Select(h => h.Id).Should().Equal("id00", "id01", "id02", "id03", "id04");
        index.GetByTitle("Twin")!.Id.Should().Be("id00");
    }

    [Fact]
    public void Documents_come_back_exactly_as_given()
    {
        CorpusDocument[] corpus =
        [
            new("z1", "Zürich", "Zürich liegt am Zürichsee. 東京 is Tokyo 😀, and \"quotes\" survive\nnew lines."),
            new("z1", "Duplicate id", "a second document reusing id z1"),
            new("", "", ""),
        ];
        using var index = SearchIndex.Open(corpus, _root.Options);

        index.Get("z1").Should().Be(corpus[0]);
        index.Get(string.Empty).Should().Be(corpus[2]);
        index.Search("Tokyo", 1)[0].Text.Should().Be(corpus[0].Text);
        index.Search("Zürichsee", 1)[0].Id.Should().Be("z1");
    }

    [Fact]
    public void Document_numbers_match_the_corpus_across_many_unmerged_segments()
    {
        var corpus = Enumerable.Range(0, 20_000)
            .Select(i => new CorpusDocument($"n{i}", $"Entry {i}", $"entry number {i} " + string.Concat(Enumerable.Repeat($"filler{i % 97} ", 20))))
            .ToList();
        using var index = SearchIndex.Open(corpus, _root.Options with { RamBufferMB = 1, MergeToSingleSegment = false });

        Directory.GetFiles(index.IndexPath, "*.si").Length.Should().BeGreaterThan(1);
        for (var i = 0; i < corpus.Count; i += 7)
        {
            index.Get($"n{i}").Should().Be(corpus[i]);
        }

        index.Search("12345", 1)[0].Id.Should().Be("n12345");
        index.GetByTitle("Entry 19999")!.Id.Should().Be("n19999");
    }

    [Fact]
    public void An_empty_corpus_opens_and_finds_nothing()
    {
        using var index = SearchIndex.Open([], _root.Options);

        index.DocumentCount.Should().Be(0);
        index.Search("anything", 3).Should().BeEmpty();
        index.Get("x").Should().BeNull();
    }

    [Fact]
    public void Without_a_title_boost_only_the_text_is_searched()
    {
        CorpusDocument[] corpus = [new("a", "Zebra", "striped animal"), new("b", "Horse", "not a zebra")];
        using var index = SearchIndex.Open(corpus, _root.Options with { TitleBoost = 0 });

        index.Search("zebra", 5).Select(h => h.Id).Should().Equal("b");
    }

    [Fact]
    public void The_standard_analyzer_does_not_stem()
    {
        using var index = SearchIndex.Open(TinyCorpus.Documents, _root.Options with { Analyzer = SearchAnalyzerKind.Standard });

        index.Search("rivers", 3).Should().BeEmpty();
        index.Search("river", 3).Should().NotBeEmpty();
    }

    [Fact]
    public void A_disposed_index_refuses_searches()
    {
        var index = SearchIndex.Open(TinyCorpus.Documents, _root.Options);
        index.Dispose();
        index.Dispose();

        index.Invoking(i => i.Search("paris", 3)).Should().Throw<ObjectDisposedException>();
        index.Invoking(i => i.Get("d01")).Should().Throw<ObjectDisposedException>();
    }
}
