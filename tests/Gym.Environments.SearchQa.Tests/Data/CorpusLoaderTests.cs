using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Data;

public sealed class CorpusLoaderTests
{
    [Fact]
    public void A_search_r1_corpus_takes_the_title_from_the_first_line_and_unquotes_it()
    {
        var documents = CorpusLoader.Read(Fixture.Path("search-r1-corpus.jsonl")).ToList();

        documents.Should().Equal(
            new CorpusDocument("0", "Radio City (Indian radio station)", "Radio City is India's first private FM radio station and was started on 3 July 2001."),
            new CorpusDocument("1", "Radio City (Indian radio station)", "It broadcasts on 91.1 megahertz from Mumbai, Bengaluru, Lucknow and New Delhi."),
            new CorpusDocument("2", "Scott Derrickson", "Scott Derrickson is an American director, screenwriter and producer."),
            new CorpusDocument("3", "Ed Wood", "Edward Davis Wood Jr. was an American filmmaker, actor and writer."));
    }

    [Fact]
    public void A_title_and_text_corpus_names_documents_without_an_id_by_line()
    {
        var documents = CorpusLoader.Read(Fixture.Path("title-text-corpus.jsonl")).ToList();

        documents.Should().Equal(
            new CorpusDocument("d1", "Scott Derrickson", "Scott Derrickson is an American director, screenwriter and producer."),
            new CorpusDocument("line-2", "Ed Wood", "Edward Davis Wood Jr. was an American filmmaker, actor and writer."));
    }

    [Theory]
    [InlineData("corpus-invalid-json.jsonl", 3, "not valid JSON (")]
    [InlineData("corpus-missing-field.jsonl", 2, "missing field 'contents' (or 'title' and 'text')")]
    [InlineData("corpus-title-without-text.jsonl", 2, "missing field 'text'")]
    [InlineData("corpus-wrong-type.jsonl", 2, "field 'contents' must be a string, not an array")]
    [InlineData("corpus-wrong-id-type.jsonl", 1, "field 'id' must be a string or a number, not an object")]
    [InlineData("corpus-duplicate-id.jsonl", 3, "duplicate id '7' (first on line 1)")]
    public void A_broken_line_is_reported_with_its_file_line_and_field(string file, int line, string reason)
    {
        var path = Fixture.Path(file);

        var act = () => CorpusLoader.Read(path).ToList();

        var error = act.Should().Throw<SearchQaDataException>().Which;
        error.Message.Should().StartWith($"{path}:{line}: ").And.Contain(reason);
        error.Line.Should().Be(line);
        error.Path.Should().Be(path);
    }

    [Fact]
    public void Documents_before_a_broken_line_stream_out_first()
    {
        using var documents = CorpusLoader.Read(Fixture.Path("corpus-duplicate-id.jsonl")).GetEnumerator();

        documents.MoveNext().Should().BeTrue();
        documents.Current.Title.Should().Be("Alpha");
        documents.MoveNext().Should().BeTrue();
        var act = () => documents.MoveNext();
        act.Should().Throw<SearchQaDataException>();
    }

    [Fact]
    public void A_missing_file_fails_at_the_call()
    {
        var path = Fixture.Path("no-such-corpus.jsonl");

        var act = () => CorpusLoader.Read(path);

        act.Should().Throw<SearchQaDataException>().WithMessage($"{path}: file not found");
    }

    [Fact]
    public void A_generated_knowledge_base_round_trips_through_the_search_r1_layout()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(1, 1_000));
        var path = Path.Combine(Path.GetTempPath(), $"kb-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllLines(path, kb.EnumerateDocuments().Select(d => System.Text.Json.JsonSerializer.Serialize(new { id = d.Id, contents = $"\"{d.Title}\"\n{d.Text}" })));

            CorpusLoader.Read(path).Should().Equal(kb.Documents);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
