using System.Text.Json;
using Gym.Core.Tools;
using Gym.Environments.SearchQa.Index;
using Gym.Environments.SearchQa.Rewards;

namespace Gym.Environments.SearchQa.Tasks;

/// <summary>
/// <c>search</c>: BM25 over the task's corpus, answering in Search-R1's form
/// <c>&lt;information&gt;Doc 1(Title: …) …&lt;/information&gt;</c>. Runs inline: a search takes well under a
/// millisecond, less than handing it to the thread pool.
/// </summary>
/// <param name="index">The corpus's index.</param>
/// <param name="topK">Documents per search.</param>
/// <param name="maxDocumentChars">Characters of each document's text shown.</param>
/// <param name="style">How titles are shown (<see cref="SearchResultsStyle.Gym"/> unless the task asks otherwise).</param>
public sealed class SearchTool(SearchIndex index, int topK, int maxDocumentChars, SearchResultsStyle style = SearchResultsStyle.Gym) : ITool
{
    private static readonly JsonElement Schema = JsonDocument.Parse(
        """{"type": "object", "properties": {"query": {"type": "string", "minLength": 1, "description": "keywords to search for"}}, "required": ["query"], "additionalProperties": false}""").RootElement.Clone();

    /// <inheritdoc />
    public string Name => "search";

    /// <inheritdoc />
    public string Description => $"Searches the encyclopedia and returns the top {topK} documents with their titles.";

    /// <inheritdoc />
    public JsonElement ParametersSchema => Schema;

    /// <inheritdoc />
    public bool RunsInline => true;

    /// <summary>The rendered result of a query, as the tool returns it.</summary>
    public string Run(string query) => Search(query).Content;

    /// <summary>The result of a query: the rendered text, with the ranked documents as <see cref="RetrievedDocuments"/> data.</summary>
    public ToolResult Search(string query)
    {
        var hits = index.Search(query, topK);
        var spans = new List<(int Start, int Length)>(hits.Count);
        var content = SearchIndex.Render(hits, maxDocumentChars, spans, style);
        return RetrievedDocuments.Result(content, [.. hits.Select((h, i) => (h.Rank, h.Id, h.Title, spans[i].Start, spans[i].Length))]);
    }

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Search(arguments.GetProperty("query").GetString()!));
}

/// <summary>
/// <c>open</c>: the full text of one document, by id or by exact title. An id opens exactly that
/// document. A title that several documents share (the chunks of one article in a chunked corpus)
/// opens none of them: the result says so and lists their ids in corpus order (at most
/// <see cref="MaxListedDocuments"/>), so the agent opens the chunk it wants by id.
/// </summary>
/// <param name="index">The corpus's index.</param>
/// <param name="style">How the title is shown, as <see cref="SearchTool"/> shows it.</param>
public sealed class OpenTool(SearchIndex index, SearchResultsStyle style = SearchResultsStyle.Gym) : ITool
{
    private static readonly JsonElement Schema = JsonDocument.Parse(
        """{"type": "object", "properties": {"id": {"type": "string", "minLength": 1, "description": "a document id, or a title exactly as search results show it"}}, "required": ["id"], "additionalProperties": false}""").RootElement.Clone();

    /// <summary>The most ids a result lists for a title that several documents share.</summary>
    public const int MaxListedDocuments = 20;

    /// <inheritdoc />
    public string Name => "open";

    /// <inheritdoc />
    public string Description => "Opens one document in full, by its id or its exact title.";

    /// <inheritdoc />
    public JsonElement ParametersSchema => Schema;

    /// <inheritdoc />
    public bool RunsInline => true;

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var id = arguments.GetProperty("id").GetString()!.Trim();
        var document = index.Get(id);
        if (document is null)
        {
            var (titled, total) = index.FindByTitle(id, MaxListedDocuments);
            if (total == 0)
            {
                return ValueTask.FromResult(ToolResult.Fail($"no document has the id or title '{id}'; use a title exactly as search results show it"));
            }

            if (total > 1)
            {
                return ValueTask.FromResult(RetrievedDocuments.Result(SharedTitle(id, titled, total), []));
            }

            document = titled[0];
        }

        var prefix = "<information>" + SearchIndex.DocumentHeader(1, document.Title, style);
        return ValueTask.FromResult(RetrievedDocuments.Result(
            $"{prefix}{document.Text}</information>",
            [(1, document.Id, document.Title, prefix.Length, document.Text.Length)]));
    }

    private static string SharedTitle(string title, IReadOnlyList<Corpus.CorpusDocument> documents, int total)
    {
        var ids = string.Join(", ", documents.Select(d => d.Id));
        var more = total > documents.Count ? $" and {total - documents.Count} more" : "";
        return $"<information>{total} documents have the title '{title}'; open one by its id: {ids}{more}</information>";
    }
}
