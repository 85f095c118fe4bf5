using System.Globalization;
using System.Text.Json;
using Gym.Core.Datasets;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Data;

/// <summary>A question row read from any supported layout, with the context paragraphs it carries (if any).</summary>
/// <param name="Example">The question.</param>
/// <param name="Paragraphs">Its own context paragraphs (HotpotQA <c>context</c>, MuSiQue <c>paragraphs</c>); empty when it has none.</param>
internal sealed record QaRow(QaExample Example, IReadOnlyList<(string Title, string Text)> Paragraphs);

/// <summary>
/// One question object in any of the public layouts the loaders accept:
/// <list type="bullet">
/// <item>FlashRAG / Search-R1: <c>question</c>, <c>golden_answers</c>, optional <c>id</c> and <c>metadata</c>;</item>
/// <item>HotpotQA / 2WikiMultihopQA: <c>_id</c>, <c>question</c>, <c>answer</c>, <c>supporting_facts</c>, <c>type</c>, <c>context</c>;</item>
/// <item>MuSiQue: <c>paragraphs</c> (<c>[{"idx", "title", "paragraph_text", "is_supporting"}]</c>) and <c>answer</c>;</item>
/// <item>verl / Search-R1 training rows: <c>prompt</c> (chat messages; the last user message is the question),
/// <c>reward_model.ground_truth.target</c> (the gold), <c>data_source</c>, <c>extra_info.index</c>.</item>
/// </list>
/// Answers may be a string, a number or a list of them wherever they appear.
/// </summary>
internal static class QaRows
{
    private const string AnswerShape = "a string, a number or a list of them";

    /// <summary>Reads <paramref name="root"/>; <paramref name="fallbackId"/> names it when it has no id.</summary>
    public static QaRow Parse(JsonFields fields, JsonElement root, string fallbackId)
    {
        var id = fields.OptionalId(root, "id") ?? fields.OptionalId(root, "_id") ?? ExtraIndex(fields, root) ?? fallbackId;
        var question = root.TryGetProperty("question", out var q) && q.ValueKind != JsonValueKind.Null
            ? fields.RequiredString(root, "question")
            : PromptQuestion(fields, root);
        var answers = Answers(fields, root);
        // FlashRAG keeps a dataset's extra fields under "metadata"; a converted HotpotQA file may keep them on top.
        var metadata = root;
        var nested = false;
        if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind != JsonValueKind.Null)
        {
            metadata = meta.ValueKind == JsonValueKind.Object ? meta : throw fields.WrongType("metadata", "an object", meta);
            nested = true;
        }

        var supporting = nested && metadata.TryGetProperty("supporting_facts", out _)
            ? QuestionLoader.SupportingTitles(fields, metadata, "metadata.supporting_facts")
            : QuestionLoader.SupportingTitles(fields, root, "supporting_facts");
        var type = metadata.TryGetProperty("type", out var t) || root.TryGetProperty("type", out t) ? t : default;
        // Only HotpotQA's two shapes of 'context' are paragraphs; a plain-text context (reading comprehension) is not.
        var paragraphs = root.TryGetProperty("context", out var context) && context.ValueKind is JsonValueKind.Array or JsonValueKind.Object
            ? HotpotQa.Paragraphs(fields, root, required: true)
            : [];
        if (paragraphs.Count == 0)
        {
            var (musique, supportingParagraphs) = MusiqueParagraphs(fields, root);
            paragraphs = musique;
            if (supporting.Count == 0)
            {
                supporting = supportingParagraphs;
            }
        }

        var example = new QaExample(id, question, answers, supporting, QuestionLoader.Kind(type), []) { Tags = Tags(root, metadata) };
        return new QaRow(example, paragraphs);
    }

    /// <summary>The gold answers: <c>golden_answers</c>, <c>answer</c>, or verl's <c>reward_model.ground_truth.target</c>.</summary>
    public static string[] Answers(JsonFields fields, JsonElement root)
    {
        if (root.TryGetProperty("golden_answers", out var gold) && gold.ValueKind != JsonValueKind.Null)
        {
            return AnswerList(fields, "golden_answers", gold);
        }

        if (root.TryGetProperty("answer", out var answer) && answer.ValueKind != JsonValueKind.Null)
        {
            return AnswerList(fields, "answer", answer);
        }

        if (root.TryGetProperty("reward_model", out var reward) && reward.ValueKind != JsonValueKind.Null)
        {
            const string Name = "reward_model.ground_truth.target";
            if (reward.ValueKind != JsonValueKind.Object)
            {
                throw fields.WrongType("reward_model", "an object with 'ground_truth'", reward);
            }

            if (!reward.TryGetProperty("ground_truth", out var truth) || truth.ValueKind == JsonValueKind.Null)
            {
                throw fields.Fail("missing field 'reward_model.ground_truth'");
            }

            // Some converted files keep the gold directly in ground_truth.
            if (truth.ValueKind != JsonValueKind.Object)
            {
                return AnswerList(fields, "reward_model.ground_truth", truth);
            }

            return truth.TryGetProperty("target", out var target) && target.ValueKind != JsonValueKind.Null
                ? AnswerList(fields, Name, target)
                : throw fields.Fail($"missing field '{Name}'");
        }

        throw fields.Fail("missing field 'golden_answers' (or 'answer', or 'reward_model.ground_truth.target')");
    }

    /// <summary>A string, a number or a non-empty list of them, as non-empty strings.</summary>
    public static string[] AnswerList(JsonFields fields, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString()!.Length > 0 ? [value.GetString()!] : throw fields.Fail($"field '{name}' is empty");
            case JsonValueKind.Number:
                return [value.GetRawText()];
            case JsonValueKind.Array:
                var answers = new List<string>();
                foreach (var item in value.EnumerateArray())
                {
                    var text = item.ValueKind switch
                    {
                        JsonValueKind.String => item.GetString()!,
                        JsonValueKind.Number => item.GetRawText(),
                        _ => throw fields.Fail($"field '{name}' must hold strings or numbers, not {JsonFields.Describe(item.ValueKind)}"),
                    };
                    if (text.Length > 0)
                    {
                        answers.Add(text);
                    }
                }

                return answers.Count > 0 ? [.. answers] : throw fields.Fail($"field '{name}' is empty");
            default:
                throw fields.WrongType(name, AnswerShape, value);
        }
    }

    /// <summary>verl's question: the content of the last <c>user</c> message of <c>prompt</c> (a string prompt is the question itself).</summary>
    private static string PromptQuestion(JsonFields fields, JsonElement root)
    {
        if (!root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            throw fields.Fail("missing field 'question' (or 'prompt', a list of chat messages)");
        }

        if (prompt.ValueKind == JsonValueKind.String)
        {
            return fields.RequiredString(root, "prompt");
        }

        if (prompt.ValueKind != JsonValueKind.Array)
        {
            throw fields.WrongType("prompt", "a list of chat messages", prompt);
        }

        string? question = null;
        foreach (var message in prompt.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw fields.Fail($"field 'prompt' must hold {{\"role\", \"content\"}} messages, not {JsonFields.Describe(message.ValueKind)}");
            }

            if (message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "user"
                && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                question = content.GetString();
            }
        }

        return !string.IsNullOrWhiteSpace(question) ? question : throw fields.Fail("field 'prompt' has no user message with content");
    }

    /// <summary>
    /// The grouping fields of a row: <c>data_source</c> (verl), <c>type</c> (HotpotQA, 2Wiki) and <c>level</c>
    /// (HotpotQA), looked up on the row, then under <c>metadata</c> (FlashRAG), then under <c>extra_info</c> (verl).
    /// Only strings and numbers count: a field of another shape is some other dataset's, not a group.
    /// </summary>
    internal static Dictionary<string, string> Tags(JsonElement root, JsonElement metadata)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var extra = root.TryGetProperty("extra_info", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
        foreach (var name in QuestionFields.GroupFields)
        {
            foreach (var scope in (ReadOnlySpan<JsonElement>)[root, metadata, extra])
            {
                if (scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out var value)
                    && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
                    && (value.ValueKind == JsonValueKind.Number ? value.GetRawText() : value.GetString()!) is { Length: > 0 } text)
                {
                    tags[name] = text;
                    break;
                }
            }
        }

        return tags;
    }

    private static string? ExtraIndex(JsonFields fields, JsonElement root) =>
        root.TryGetProperty("extra_info", out var extra) && extra.ValueKind == JsonValueKind.Object ? fields.OptionalId(extra, "index") : null;

    /// <summary>MuSiQue's <c>paragraphs</c> and the titles of those marked <c>is_supporting</c>.</summary>
    private static (List<(string, string)> Paragraphs, List<string> Supporting) MusiqueParagraphs(JsonFields fields, JsonElement root)
    {
        const string Shape = "a list of {\"title\", \"paragraph_text\"} objects";
        var paragraphs = new List<(string, string)>();
        var supporting = new List<string>();
        if (!root.TryGetProperty("paragraphs", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return (paragraphs, supporting);
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw fields.WrongType("paragraphs", Shape, list);
        }

        foreach (var paragraph in list.EnumerateArray())
        {
            if (paragraph.ValueKind != JsonValueKind.Object
                || !paragraph.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String
                || !paragraph.TryGetProperty("paragraph_text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                throw fields.Fail($"field 'paragraphs' must be {Shape}");
            }

            paragraphs.Add((title.GetString()!, text.GetString()!.Trim()));
            if (paragraph.TryGetProperty("is_supporting", out var flag) && flag.ValueKind == JsonValueKind.True && !supporting.Contains(title.GetString()!, StringComparer.Ordinal))
            {
                supporting.Add(title.GetString()!);
            }
        }

        return (paragraphs, supporting);
    }
}

/// <summary>A corpus made of questions' own context paragraphs: one document per distinct title, the first occurrence wins.</summary>
internal sealed class ContextCorpus(string prefix)
{
    private readonly HashSet<string> _titles = new(StringComparer.Ordinal);

    public List<CorpusDocument> Documents { get; } = [];

    public void Add(IEnumerable<(string Title, string Text)> paragraphs)
    {
        foreach (var (title, text) in paragraphs)
        {
            if (_titles.Add(title))
            {
                Documents.Add(new CorpusDocument(prefix + Documents.Count.ToString("D6", CultureInfo.InvariantCulture), title, text));
            }
        }
    }
}
