using System.Text.Json;
using Gym.Core.Tools;
using Gym.Environments.SearchQa.Index;

namespace Gym.Environments.SearchQa.Tasks;

/// <summary>
/// <c>search</c>: BM25 over the task's corpus, answering in Search-R1's form
/// <c>&lt;information&gt;Doc 1(Title: …) …&lt;/information&gt;</c>. Runs inline: a search takes well under a
/// millisecond, less than handing it to the thread pool.
/// </summary>
public sealed class SearchTool(SearchIndex index, int topK, int maxDocumentChars) : ITool
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
    public string Run(string query) => SearchIndex.Render(index.Search(query, topK), maxDocumentChars);

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ToolResult.Ok(Run(arguments.GetProperty("query").GetString()!)));
}

/// <summary><c>open</c>: the full text of one document, by id or by exact title.</summary>
public sealed class OpenTool(SearchIndex index) : ITool
{
    private static readonly JsonElement Schema = JsonDocument.Parse(
        """{"type": "object", "properties": {"id": {"type": "string", "minLength": 1, "description": "a document id, or a title exactly as search results show it"}}, "required": ["id"], "additionalProperties": false}""").RootElement.Clone();

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
        var document = index.Get(id) ?? index.GetByTitle(id);
        return ValueTask.FromResult(document is null
            ? ToolResult.Fail($"no document has the id or title '{id}'; use a title exactly as search results show it")
            : ToolResult.Ok($"<information>Doc 1(Title: {document.Title}) {document.Text}</information>"));
    }
}
