using System.Text.Json;
using FluentAssertions;
using Gym.Core.Tools;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Index;
using Gym.Environments.SearchQa.Rewards;
using Gym.Environments.SearchQa.Tasks;
using Gym.Environments.SearchQa.Tests.Index;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Tasks;

/// <summary><c>open</c> on a chunked corpus: an id opens one chunk, a title that chunks share lists them.</summary>
public sealed class OpenToolTests
{
    // Chunks of one article share its title; the ids are out of ordinal order ("a-10" before "a-2") on purpose.
    private static readonly CorpusDocument[] Chunked =
    [
        new("a-1", "Quillton", "Quillton is a river city in the north."),
        new("b-1", "Zorba Institute", "The Zorba Institute was founded by Mara Vent."),
        new("a-2", "Quillton", "Its harbour was built in the ninth century."),
        new("a-10", "Quillton", "Quillton's bridges number forty."),
    ];

    [Fact]
    public async Task A_title_that_several_chunks_share_lists_their_ids_in_corpus_order_and_opens_none()
    {
        using var root = new TempCacheRoot();
        using var index = SearchIndex.Open(Chunked, root.Options);
        var open = new OpenTool(index);

        var result = await open.InvokeAsync(Arguments("Quillton"), CancellationToken.None);

        result.IsError.Should().BeFalse();
        result.Content.Should().Be("<information>3 documents have the title 'Quillton'; open one by its id: a-1, a-2, a-10</information>");
        RetrievedDocuments.Of(new ToolInvocation(new ToolCall("open", Arguments("Quillton")), result)).Should().BeEmpty("nothing was opened");
    }

    [Fact]
    public async Task An_id_opens_exactly_that_chunk_and_a_unique_title_opens_its_document()
    {
        using var root = new TempCacheRoot();
        using var index = SearchIndex.Open(Chunked, root.Options);
        var open = new OpenTool(index);

        var byId = await open.InvokeAsync(Arguments("a-2"), CancellationToken.None);
        var byTitle = await open.InvokeAsync(Arguments("Zorba Institute"), CancellationToken.None);

        byId.Content.Should().Be("<information>Doc 1(Title: Quillton) Its harbour was built in the ninth century.</information>");
        byTitle.Content.Should().Be("<information>Doc 1(Title: Zorba Institute) The Zorba Institute was founded by Mara Vent.</information>");
    }

    [Fact]
    public void Find_by_title_caps_the_list_and_counts_them_all()
    {
        using var root = new TempCacheRoot();
        using var index = SearchIndex.Open(Chunked, root.Options);

        var (documents, total) = index.FindByTitle("Quillton", 2);

        documents.Select(d => d.Id).Should().Equal("a-1", "a-2");
        total.Should().Be(3);
        index.FindByTitle("Atlantis", 5).Total.Should().Be(0);
    }

    private static JsonElement Arguments(string id) => JsonDocument.Parse(JsonSerializer.Serialize(new { id })).RootElement.Clone();
}
