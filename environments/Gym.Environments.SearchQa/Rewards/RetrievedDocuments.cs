using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Environments.SearchQa.Rewards;

/// <summary>One document a search or open call returned, as the agent saw it.</summary>
/// <param name="Rank">One-based rank in the result list.</param>
/// <param name="Id">The document's id; null for results read from the text of files recorded before tool results carried data.</param>
/// <param name="Title">The document's title (gold supporting documents are named by it).</param>
/// <param name="Text">The document's text as shown (possibly cut).</param>
public sealed record RetrievedDocument(int Rank, string? Id, string Title, string Text);

/// <summary>
/// The structured data of the <c>search</c> and <c>open</c> tools' results: the ranked documents, each
/// with its id, title and where its shown text lies in the result's content. Written as
/// <c>{"kind":"retrieved_documents","documents":[{"rank":1,"id":"d7","title":"…","offset":32,"length":180}]}</c>
/// into <see cref="ToolResult.Data"/>, so it is recorded with the trajectory and re-scoring reads it.
/// </summary>
public static class RetrievedDocuments
{
    /// <summary>The <c>kind</c> of the data.</summary>
    public const string Kind = "retrieved_documents";

    /// <summary>The tools whose results hold retrieved documents.</summary>
    public static IReadOnlySet<string> ToolNames { get; } = new HashSet<string>(["search", "open"], StringComparer.Ordinal);

    /// <summary>A successful result: <paramref name="content"/> for the agent, with the documents as data.</summary>
    public static ToolResult Result(string content, IReadOnlyList<(int Rank, string Id, string Title, int Offset, int Length)> documents)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(documents);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", Kind);
            writer.WriteStartArray("documents");
            foreach (var (rank, id, title, offset, length) in documents)
            {
                writer.WriteStartObject();
                writer.WriteNumber("rank", rank);
                writer.WriteString("id", id);
                writer.WriteString("title", title);
                writer.WriteNumber("offset", offset);
                writer.WriteNumber("length", length);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return ToolResult.Ok(content) with { Data = JsonDocument.Parse(buffer.ToArray()).RootElement.Clone() };
    }

    /// <summary>
    /// The documents of a successful invocation: from its data when it has some; from the text, for a
    /// <c>search</c> or <c>open</c> result recorded before tool results carried data; else none.
    /// Data in another shape is an error, not silently zero documents.
    /// </summary>
    public static IReadOnlyList<RetrievedDocument> Of(ToolInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var result = invocation.Result;
        if (result.IsError)
        {
            return [];
        }

        if (result.Data is not { } data)
        {
            return ToolNames.Contains(invocation.Call.Name) ? SearchResultsText.Parse(result.Content) : [];
        }

        // Data of another kind (another tool's) holds no documents.
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != Kind)
        {
            return [];
        }

        try
        {
            var documents = new List<RetrievedDocument>();
            foreach (var document in data.GetProperty("documents").EnumerateArray())
            {
                var offset = document.GetProperty("offset").GetInt32();
                var length = document.GetProperty("length").GetInt32();
                documents.Add(new RetrievedDocument(
                    document.GetProperty("rank").GetInt32(),
                    document.GetProperty("id").GetString(),
                    document.GetProperty("title").GetString()!,
                    result.Content.Substring(offset, length)));
            }

            return documents;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"the '{invocation.Call.Name}' result's {Kind} data is malformed: {ex.Message}", ex);
        }
    }
}
