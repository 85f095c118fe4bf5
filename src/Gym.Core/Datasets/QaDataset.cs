using System.Globalization;
using System.Text.Json;

namespace Gym.Core.Datasets;

/// <summary>One question with its gold answers.</summary>
/// <param name="Line">The 1-based line of the file it came from (its id when the file gives none).</param>
/// <param name="Id">The item's id.</param>
/// <param name="Question">The question.</param>
/// <param name="Answers">Gold answers; any one counts.</param>
public sealed record QaItem(int Line, string Id, string Question, IReadOnlyList<string> Answers);

/// <summary>A dataset line that cannot be read; the message has <c>path:line</c>.</summary>
public sealed class QaDatasetException(string message) : Exception(message), IUserError;

/// <summary>
/// Question files as JSONL, one object per line, FlashRAG / Search-R1 style: <c>question</c>, and
/// <c>golden_answers</c> (a list) or <c>answer</c> (a string or a number); <c>id</c> is optional.
/// Blank lines are skipped. Every error names the file, the line and the field.
/// </summary>
public static class QaDataset
{
    /// <summary>Reads every item of <paramref name="path"/>.</summary>
    public static IReadOnlyList<QaItem> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new QaDatasetException($"{path}: cannot read the dataset: {ex.Message}");
        }

        var items = new List<QaItem>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!string.IsNullOrWhiteSpace(lines[i]))
            {
                items.Add(Parse(path, i + 1, lines[i]));
            }
        }

        return items.Count > 0 ? items : throw new QaDatasetException($"{path}: the dataset has no questions");
    }

    private static QaItem Parse(string path, int line, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new QaDatasetException($"{path}:{line}: not valid JSON ({ex.Message.Split(". ")[0]})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new QaDatasetException($"{path}:{line}: expected a JSON object with \"question\" and \"golden_answers\"");
            }

            if (!root.TryGetProperty("question", out var question) || question.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(question.GetString()))
            {
                throw new QaDatasetException($"{path}:{line}: missing field \"question\" (a non-empty string)");
            }

            var answers = Answers(path, line, root);
            var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? idElement.ToString()
                : line.ToString(CultureInfo.InvariantCulture);
            return new QaItem(line, id, question.GetString()!, answers);
        }
    }

    private static List<string> Answers(string path, int line, JsonElement root)
    {
        if (root.TryGetProperty("golden_answers", out var gold))
        {
            var answers = gold.ValueKind == JsonValueKind.Array
                ? gold.EnumerateArray().Where(a => a.ValueKind is JsonValueKind.String or JsonValueKind.Number).Select(a => a.ToString()).Where(a => a.Length > 0).ToList()
                : [];
            return answers.Count > 0 ? answers : throw new QaDatasetException($"{path}:{line}: field \"golden_answers\" must be a non-empty list of strings");
        }

        if (root.TryGetProperty("answer", out var answer) && answer.ValueKind is JsonValueKind.String or JsonValueKind.Number && answer.ToString().Length > 0)
        {
            return [answer.ToString()];
        }

        throw new QaDatasetException($"{path}:{line}: missing field \"golden_answers\" (or \"answer\")");
    }
}
