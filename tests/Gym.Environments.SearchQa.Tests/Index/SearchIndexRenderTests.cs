using FluentAssertions;
using Gym.Environments.SearchQa.Index;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Index;

public sealed class SearchIndexRenderTests
{
    [Fact]
    public void Hits_render_in_the_search_r1_shape()
    {
        SearchHit[] hits = [new(1, "a", "T", "text", 2.5f), new(2, "b", "T2", "text2", 1f)];

        SearchIndex.Render(hits).Should().Be("<information>Doc 1(Title: T) text\nDoc 2(Title: T2) text2\n</information>");
    }

    [Fact]
    public void The_search_r1_style_quotes_titles_as_search_r1_shows_its_wikipedia_corpus()
    {
        // Search-R1: contents "\"T\"\ntext" -> title = first line (quotes kept), f"Doc {idx+1}(Title: {title}) {text}\n".
        SearchHit[] hits = [new(1, "a", "T", "text", 2.5f), new(2, "b", "T (2)", "one two three", 1f)];
        var spans = new List<(int Start, int Length)>();

        var rendered = SearchIndex.Render(hits, 8, spans, SearchResultsStyle.SearchR1);

        rendered.Should().Be("<information>Doc 1(Title: \"T\") text\nDoc 2(Title: \"T (2)\") one two...\n</information>");
        rendered.Substring(spans[0].Start, spans[0].Length).Should().Be("text");
        rendered.Substring(spans[1].Start, spans[1].Length).Should().Be("one two...");
        SearchIndex.Render(hits, 8, null, SearchResultsStyle.Gym).Should().Be(SearchIndex.Render(hits, 8), "gym is the default");
    }

    [Fact]
    public void No_hits_render_as_no_results()
    {
        SearchIndex.Render([]).Should().Be("<information>No results.</information>");
    }

    [Fact]
    public void Texts_can_be_cut_to_a_length()
    {
        SearchHit[] hits = [new(1, "a", "T", "one two three", 1f), new(2, "b", "U", "short", 1f)];

        SearchIndex.Render(hits, 8).Should().Be("<information>Doc 1(Title: T) one two...\nDoc 2(Title: U) short\n</information>");
        SearchIndex.Render(hits, 4).Should().StartWith("<information>Doc 1(Title: T) one...\n");
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        SearchHit[] hits = [new(1, "a", "T", "ab😀cd", 1f)];

        SearchIndex.Render(hits, 3).Should().Be("<information>Doc 1(Title: T) ab...\n</information>");
    }

    [Fact]
    public void Rendering_real_hits_from_an_index()
    {
        using var root = new TempCacheRoot();
        using var index = SearchIndex.Open(TinyCorpus.Documents, root.Options);

        var rendered = SearchIndex.Render(index.Search("highest mountain Himalayas", 1));

        rendered.Should().Be("<information>Doc 1(Title: Mount Everest) " + TinyCorpus.Documents[4].Text + "\n</information>");
    }
}
