using System.Text;
using System.Text.Json;
using Gym.Core.Files;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// Reads question files, telling the format from the content:
/// <list type="bullet">
/// <item>JSONL, FlashRAG / Search-R1 style, one object per line: <c>question</c>, <c>golden_answers</c> (a list) or
/// <c>answer</c> (a string, a number or a list of them), or verl's <c>prompt</c> and <c>reward_model</c> (see <see cref="QaRows"/>); optional <c>id</c> (or <c>_id</c>), and supporting facts and type either at the
/// top level or under <c>metadata</c> (as FlashRAG's HotpotQA has them);</item>
/// <item>a HotpotQA JSON array (see <see cref="HotpotQa"/>);</item>
/// <item>a Parquet file (<c>.parquet</c>) of the same rows, verl / Search-R1 style (see <see cref="ParquetQuestions"/>).</item>
/// </list>
/// Every error is a <see cref="SearchQaDataException"/> whose message starts <c>path:line:</c> and names the field.
/// </summary>
public static class QuestionLoader
{
    /// <summary>Every question of <paramref name="path"/>, in file order.</summary>
    public static IReadOnlyList<QaExample> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (ParquetQuestions.IsParquet(path))
        {
            return ParquetQuestions.Read(path);
        }

        return FirstCharacter(path) switch
        {
            ('[', _) => HotpotQa.Read(path),
            ('{', _) => ReadJsonLines(path),
            (null, _) => throw new SearchQaDataException(path, null, "the file is empty"),
            (_, var line) => throw new SearchQaDataException(path, line, "expected JSONL (one JSON object per line) or a HotpotQA JSON array"),
        };
    }

    /// <summary>Whether <paramref name="path"/> is a HotpotQA JSON array rather than JSONL: the test <see cref="Read"/> uses.</summary>
    internal static bool IsHotpotQa(string path) => FirstCharacter(path).Character == '[';

    /// <summary>The questions of a JSONL file (FlashRAG / Search-R1 style), whatever its first character.</summary>
    public static IReadOnlyList<QaExample> ReadJsonLines(string path) => ReadJsonLinesWithContext(path).Questions;

    /// <summary>
    /// The questions of a JSONL file and a corpus of the context paragraphs its rows carry (HotpotQA's <c>context</c>,
    /// MuSiQue's <c>paragraphs</c>), one document per distinct title; the corpus is empty when no row has any.
    /// </summary>
    public static HotpotQaData ReadJsonLinesWithContext(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new SearchQaDataException(path, null, "file not found");
        }

        using var reader = OpenText(path);
        var questions = new List<QaExample>();
        var corpus = new ContextCorpus("context-");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = 0;
        while (ReadLine(reader, path) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var (question, paragraphs) = Parse(path, line, text);
            if (!ids.TryAdd(question.Id, line))
            {
                throw new SearchQaDataException(path, line, $"duplicate id '{question.Id}' (first on line {ids[question.Id]})");
            }

            questions.Add(question);
            corpus.Add(paragraphs);
        }

        return questions.Count > 0 ? new HotpotQaData(questions, corpus.Documents) : throw new SearchQaDataException(path, null, "the file has no questions");
    }

    private static QaRow Parse(string path, int line, string text)
    {
        var fields = new JsonFields(path, line);
        using var json = ParseLine(fields, text, "a JSON object with 'question' and 'golden_answers'");
        return QaRows.Parse(fields, json.RootElement, $"line-{line}");
    }

    /// <summary>
    /// Distinct titles of the supporting facts, in order. HotpotQA writes them as <c>[[title, sentence], …]</c>;
    /// Hugging Face datasets (and so FlashRAG) as <c>{"title": [...], "sent_id": [...]}</c>. Both are read.
    /// </summary>
    internal static IReadOnlyList<string> SupportingTitles(JsonFields fields, JsonElement owner, string name)
    {
        var key = name[(name.LastIndexOf('.') + 1)..];
        if (!owner.TryGetProperty(key, out var facts) || facts.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        IEnumerable<JsonElement> titles = facts.ValueKind switch
        {
            JsonValueKind.Array => facts.EnumerateArray().Select(pair =>
                pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() >= 1 && pair[0].ValueKind == JsonValueKind.String
                    ? pair[0]
                    : throw fields.Fail($"field '{name}' must be a list of [title, sentence index] pairs")),
            JsonValueKind.Object when facts.TryGetProperty("title", out var list) && list.ValueKind == JsonValueKind.Array => list.EnumerateArray(),
            _ => throw fields.Fail($"field '{name}' must be a list of [title, sentence index] pairs (or an object with a 'title' list)"),
        };
        var distinct = new List<string>();
        foreach (var title in titles)
        {
            var value = title.ValueKind == JsonValueKind.String ? title.GetString()! : throw fields.Fail($"field '{name}' must name titles as strings");
            if (!distinct.Contains(value, StringComparer.Ordinal))
            {
                distinct.Add(value);
            }
        }

        return distinct;
    }

    /// <summary>HotpotQA's two types (and 2WikiMultihopQA's names for the same shapes); anything else is unknown.</summary>
    internal static HopKind Kind(JsonElement type) => type.ValueKind == JsonValueKind.String
        ? type.GetString() switch
        {
            "bridge" or "compositional" or "inference" => HopKind.Bridge,
            "comparison" or "bridge_comparison" => HopKind.Comparison,
            _ => HopKind.Unknown,
        }
        : HopKind.Unknown;

    /// <summary>
    /// Refuses a path that exists but is not a regular file before it is opened: a FIFO would block the open and a
    /// device such as /dev/zero would be read forever. A missing file is left to the caller's own message.
    /// </summary>
    internal static void EnsureNotSpecial(string path)
    {
        if (InputFile.KindOf(path) is not (InputFileKind.Regular or InputFileKind.Missing) && InputFile.KindProblem(path) is { } problem)
        {
            throw new SearchQaDataException(path, null, $"cannot read the file: {problem}");
        }
    }

    internal static StreamReader OpenText(string path)
    {
        EnsureNotSpecial(path);
        try
        {
            return new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SearchQaDataException(path, null, $"cannot read the file: {ex.Message}");
        }
    }

    internal static string? ReadLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (IOException ex)
        {
            throw new SearchQaDataException(path, null, $"cannot read the file: {ex.Message}");
        }
    }

    /// <summary>One JSONL line as a JSON object, or an error at that line.</summary>
    internal static JsonDocument ParseLine(JsonFields fields, string text, string expected)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw fields.Fail($"not valid JSON ({JsonFields.Message(ex)})");
        }

        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = json.RootElement.ValueKind;
            json.Dispose();
            throw fields.Fail($"expected {expected}, not {JsonFields.Describe(kind)}");
        }

        return json;
    }

    /// <summary>The first character that is not white space (a byte-order mark skipped) and its line.</summary>
    private static (char? Character, int Line) FirstCharacter(string path)
    {
        if (!File.Exists(path))
        {
            throw new SearchQaDataException(path, null, "file not found");
        }

        using var reader = OpenText(path);
        var line = 1;
        int next;
        while ((next = reader.Read()) >= 0)
        {
            var c = (char)next;
            if (c == '\n')
            {
                line++;
            }
            else if (!char.IsWhiteSpace(c))
            {
                return (c, line);
            }
        }

        return (null, line);
    }
}
