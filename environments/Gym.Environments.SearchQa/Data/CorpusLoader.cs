using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// Reads a corpus from JSONL, one document per line, in either layout:
/// <list type="bullet">
/// <item><c>{"id": "0", "contents": "\"Aaron\"\nAaron is a prophet…"}</c>: the Search-R1 / FlashRAG wiki corpus,
/// title on the first line of <c>contents</c> (surrounding quotes removed), text on the rest;</item>
/// <item><c>{"id": "d1", "title": "Aaron", "text": "Aaron is a prophet…"}</c>.</item>
/// </list>
/// <c>id</c> (a string or a number) is optional: without it a document is <c>line-N</c>. Blank lines are skipped.
/// Every error is a <see cref="SearchQaDataException"/> whose message starts <c>path:line:</c>.
/// </summary>
public static class CorpusLoader
{
    private const string Layouts = "'contents' (or 'title' and 'text')";

    /// <summary>
    /// The documents of <paramref name="path"/>, read lazily one line at a time so that a multi-gigabyte wiki dump
    /// streams into an index. A missing file fails here; a bad line fails when enumeration reaches it. Duplicate ids
    /// are an error naming both lines (the set of ids seen is the only thing kept in memory).
    /// </summary>
    public static IEnumerable<CorpusDocument> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(path) ? ReadLines(path) : throw new SearchQaDataException(path, null, "file not found");
    }

    private static IEnumerable<CorpusDocument> ReadLines(string path)
    {
        using var reader = QuestionLoader.OpenText(path);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = 0;
        while (QuestionLoader.ReadLine(reader, path) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var document = Parse(path, line, text);
            if (!ids.TryAdd(document.Id, line))
            {
                throw new SearchQaDataException(path, line, $"duplicate id '{document.Id}' (first on line {ids[document.Id]})");
            }

            yield return document;
        }

        if (ids.Count == 0)
        {
            throw new SearchQaDataException(path, null, "the corpus has no documents");
        }
    }

    /// <summary>One JSONL line as a document.</summary>
    internal static CorpusDocument Parse(string path, int line, string text)
    {
        var fields = new JsonFields(path, line);
        using var json = QuestionLoader.ParseLine(fields, text, $"a JSON object with {Layouts}");
        var root = json.RootElement;
        var id = fields.OptionalId(root, "id") ?? $"line-{line}";
        if (fields.OptionalString(root, "contents") is { } contents)
        {
            // As Search-R1 reads it: the first line is the title, the rest is the text.
            var newline = contents.IndexOf('\n', StringComparison.Ordinal);
            var title = (newline < 0 ? contents : contents[..newline]).TrimEnd('\r').Trim();
            var body = newline < 0 ? string.Empty : contents[(newline + 1)..].Trim();
            if (title.Length >= 2 && title[0] == '"' && title[^1] == '"')
            {
                title = title[1..^1];
            }

            return new CorpusDocument(id, title, body);
        }

        var (heading, passage) = (fields.OptionalString(root, "title"), fields.OptionalString(root, "text"));
        return (heading, passage) switch
        {
            (null, null) => throw fields.Fail($"missing field {Layouts}"),
            (null, _) => throw fields.Fail("missing field 'title' (a document with 'text' needs one)"),
            (_, null) => throw fields.Fail("missing field 'text' (a document with 'title' needs one)"),
            _ => new CorpusDocument(id, heading, passage),
        };
    }
}
