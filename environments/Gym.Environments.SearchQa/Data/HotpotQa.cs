using System.Text;
using System.Text.Json;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Data;

/// <summary>The questions of a HotpotQA file and the corpus made of their context paragraphs.</summary>
/// <param name="Questions">The questions, in file order.</param>
/// <param name="Documents">One document per distinct context title (first occurrence wins), ids <c>hotpot-000000</c> on.</param>
public sealed record HotpotQaData(IReadOnlyList<QaExample> Questions, IReadOnlyList<CorpusDocument> Documents);

/// <summary>
/// Reads HotpotQA's own files (<c>hotpot_dev_distractor_v1.json</c> and the like): one JSON array of objects with
/// <c>_id</c>, <c>question</c>, <c>answer</c> (a string, or a list of them as 2WikiMultihopQA conversions write), <c>supporting_facts</c> (<c>[[title, sentence index], …]</c>),
/// <c>context</c> (<c>[[title, [sentence, …]], …]</c>) and <c>type</c> (<c>bridge</c> or <c>comparison</c>).
/// Errors name the file, the line the offending item starts on, the item's index and the field.
/// </summary>
public static class HotpotQa
{
    private const string Expected = "a JSON array of HotpotQA items";
    private const int BufferSize = 1 << 16;

    /// <summary>The questions of <paramref name="path"/>; <c>context</c> is not needed and not checked.</summary>
    public static IReadOnlyList<QaExample> Read(string path) => Load(path, withContext: false, BufferSize).Questions;

    /// <summary>
    /// The questions of <paramref name="path"/> and a corpus of every context paragraph (title, and its sentences
    /// joined), so a scenario can point at one HotpotQA file and search the distractor setting's paragraphs.
    /// </summary>
    public static HotpotQaData ReadWithContext(string path) => Load(path, withContext: true, BufferSize);

    /// <summary>Reads with a given starting buffer size (tests use a tiny one to exercise every refill).</summary>
    internal static HotpotQaData Load(string path, bool withContext, int bufferSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        var questions = new List<QaExample>();
        var corpus = new ContextCorpus("hotpot-");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        JsonArrayReader.ReadItems(path, bufferSize, Expected, (index, line, item) =>
        {
            var fields = new JsonFields(path, line, $"item {index}: ");
            var id = fields.OptionalId(item, "_id") ?? fields.OptionalId(item, "id") ?? $"item-{index}";
            if (!ids.TryAdd(id, line))
            {
                throw fields.Fail($"duplicate id '{id}' (first on line {ids[id]})");
            }

            var question = fields.RequiredString(item, "question");
            var answers = Answer(fields, item);
            var supporting = QuestionLoader.SupportingTitles(fields, item, "supporting_facts");
            var kind = QuestionLoader.Kind(item.TryGetProperty("type", out var type) ? type : default);
            questions.Add(new QaExample(id, question, answers, supporting, kind, []) { Tags = QaRows.Tags(item, item) });
            if (withContext)
            {
                corpus.Add(Paragraphs(fields, item, required: true));
            }
        });
        return questions.Count > 0 ? new HotpotQaData(questions, corpus.Documents) : throw new SearchQaDataException(path, null, "the file has no questions");
    }

    private static string[] Answer(JsonFields fields, JsonElement item) =>
        item.TryGetProperty("answer", out var answer) && answer.ValueKind != JsonValueKind.Null
            ? QaRows.AnswerList(fields, "answer", answer)
            : throw fields.Fail("missing field 'answer'");

    /// <summary>The paragraphs, as HotpotQA writes them (<c>[[title, [sentence, …]], …]</c>) or as Hugging Face does (<c>{"title": [...], "sentences": [[...]]}</c>).</summary>
    /// <remarks>A missing <c>context</c> is an error when <paramref name="required"/>, and no paragraphs otherwise.</remarks>
    internal static List<(string Title, string Text)> Paragraphs(JsonFields fields, JsonElement item, bool required)
    {
        const string Shape = "field 'context' must be a list of [title, [sentence, …]] pairs";
        if (!item.TryGetProperty("context", out var context) || context.ValueKind == JsonValueKind.Null)
        {
            return required ? throw fields.Fail("missing field 'context'") : [];
        }

        var paragraphs = new List<(string, string)>();
        if (context.ValueKind == JsonValueKind.Object
            && context.TryGetProperty("title", out var titleList) && titleList.ValueKind == JsonValueKind.Array
            && context.TryGetProperty("sentences", out var sentenceLists) && sentenceLists.ValueKind == JsonValueKind.Array
            && titleList.GetArrayLength() == sentenceLists.GetArrayLength())
        {
            for (var i = 0; i < titleList.GetArrayLength(); i++)
            {
                paragraphs.Add(Paragraph(fields, titleList[i], sentenceLists[i], Shape));
            }

            return paragraphs;
        }

        if (context.ValueKind != JsonValueKind.Array)
        {
            throw fields.WrongType("context", "a list of [title, [sentence, …]] pairs", context);
        }

        foreach (var pair in context.EnumerateArray())
        {
            paragraphs.Add(pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 ? Paragraph(fields, pair[0], pair[1], Shape) : throw fields.Fail(Shape));
        }

        return paragraphs;
    }

    private static (string Title, string Text) Paragraph(JsonFields fields, JsonElement title, JsonElement sentences, string shape)
    {
        if (title.ValueKind != JsonValueKind.String || sentences.ValueKind != JsonValueKind.Array)
        {
            throw fields.Fail(shape);
        }

        // HotpotQA keeps each sentence's leading space (" It broadcasts…"), so sentences are concatenated and a
        // space is added only where neither side has one.
        var text = new StringBuilder();
        foreach (var sentence in sentences.EnumerateArray())
        {
            var value = sentence.ValueKind == JsonValueKind.String ? sentence.GetString()! : throw fields.Fail(shape);
            if (text.Length > 0 && value.Length > 0 && !char.IsWhiteSpace(text[^1]) && !char.IsWhiteSpace(value[0]))
            {
                text.Append(' ');
            }

            text.Append(value);
        }

        return (title.GetString()!, text.ToString().Trim());
    }
}
