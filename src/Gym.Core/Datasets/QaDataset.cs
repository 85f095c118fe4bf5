using System.Globalization;
using System.Text.Json;
using Gym.Core.Files;

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
/// <c>golden_answers</c> or <c>answer</c> (a string, a number or a list of them); <c>id</c> (or HotpotQA's <c>_id</c>) is optional.
/// verl / Search-R1 training rows work too: the question is the last user message of <c>prompt</c>, the gold
/// <c>reward_model.ground_truth.target</c>, the id <c>extra_info.index</c>.
/// Blank lines are skipped. Every error names the file, the line and the field.
/// </summary>
public static class QaDataset
{
    /// <summary>Reads every item of <paramref name="path"/>.</summary>
    public static IReadOnlyList<QaItem> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (InputFile.KindProblem(path) is { } problem)
        {
            // A FIFO would block and /dev/zero would fill memory before a single line came back.
            throw new QaDatasetException($"{path}: cannot read the dataset: {problem}");
        }

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

            var question = Question(path, line, root);
            var answers = Answers(path, line, root);
            var id = (root.TryGetProperty("id", out var idElement) || root.TryGetProperty("_id", out idElement)) && idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? idElement.ToString()
                : root.TryGetProperty("extra_info", out var extra) && extra.ValueKind == JsonValueKind.Object
                    && extra.TryGetProperty("index", out var index) && index.ValueKind is JsonValueKind.String or JsonValueKind.Number
                    ? index.ToString()
                    : line.ToString(CultureInfo.InvariantCulture);
            return new QaItem(line, id, question, answers);
        }
    }

    // `question`, or verl's `prompt`: the content of its last user message.
    private static string Question(string path, int line, JsonElement root)
    {
        if (root.TryGetProperty("question", out var question) && question.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(question.GetString()))
        {
            return question.GetString()!;
        }

        if (root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.Array)
        {
            var last = prompt.EnumerateArray()
                .Where(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "user"
                    && m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                .Select(m => m.GetProperty("content").GetString())
                .LastOrDefault();
            return !string.IsNullOrWhiteSpace(last) ? last : throw new QaDatasetException($"{path}:{line}: field \"prompt\" has no user message with content");
        }

        throw new QaDatasetException($"{path}:{line}: missing field \"question\" (a non-empty string; or \"prompt\", a list of chat messages)");
    }

    // `golden_answers`, `answer` or verl's `reward_model.ground_truth.target`: a string, a number or a list of them.
    private static List<string> Answers(string path, int line, JsonElement root)
    {
        foreach (var name in new[] { "golden_answers", "answer" })
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return AnswerList(path, line, name, value);
            }
        }

        if (root.TryGetProperty("reward_model", out var reward) && reward.ValueKind == JsonValueKind.Object
            && reward.TryGetProperty("ground_truth", out var truth) && truth.ValueKind != JsonValueKind.Null)
        {
            return truth.ValueKind != JsonValueKind.Object ? AnswerList(path, line, "reward_model.ground_truth", truth)
                : truth.TryGetProperty("target", out var target) ? AnswerList(path, line, "reward_model.ground_truth.target", target)
                : throw new QaDatasetException($"{path}:{line}: missing field \"reward_model.ground_truth.target\"");
        }

        throw new QaDatasetException($"{path}:{line}: missing field \"golden_answers\" (or \"answer\", or \"reward_model.ground_truth.target\")");
    }

    private static List<string> AnswerList(string path, int line, string name, JsonElement value)
    {
        var answers = value.ValueKind switch
        {
            JsonValueKind.String or JsonValueKind.Number => [value.ToString()],
            JsonValueKind.Array when value.EnumerateArray().All(a => a.ValueKind is JsonValueKind.String or JsonValueKind.Number) => value.EnumerateArray().Select(a => a.ToString()).ToList(),
            _ => throw new QaDatasetException($"{path}:{line}: field \"{name}\" must be a string, a number or a list of them"),
        };
        answers.RemoveAll(a => a.Length == 0);
        return answers.Count > 0 ? answers : throw new QaDatasetException($"{path}:{line}: field \"{name}\" must be a non-empty list, a string or a number");
    }
}
