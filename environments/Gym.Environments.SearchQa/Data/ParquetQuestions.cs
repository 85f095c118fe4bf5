using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gym.Environments.SearchQa.Corpus;
using Parquet.Serialization;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// Reads question rows from Parquet, as verl and Search-R1 ship their training and test sets
/// (<c>data_source</c>, <c>prompt</c> as a list of <c>{role, content}</c> structs, <c>reward_model</c> as
/// <c>{style, ground_truth: {target: [...]}}</c>, <c>extra_info</c> as <c>{index, split, …}</c>), or FlashRAG's
/// columns (<c>id</c>, <c>question</c>, <c>golden_answers</c>). Each row is read as the same JSON object a JSONL line
/// would be, so every layout <see cref="QaRows"/> knows works here too. Errors name the file, the row as
/// <c>path:N:</c> (N is the 1-based row) and the row's 0-based index.
/// </summary>
public static class ParquetQuestions
{
    /// <summary>Whether <paramref name="path"/> names a Parquet file (by its extension).</summary>
    public static bool IsParquet(string path) => string.Equals(Path.GetExtension(path), ".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every question of <paramref name="path"/>, in row order.</summary>
    public static IReadOnlyList<QaExample> Read(string path) => ReadWithContext(path).Questions;

    /// <summary>The questions of <paramref name="path"/> and a corpus of any context paragraphs its rows carry.</summary>
    public static HotpotQaData ReadWithContext(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var questions = new List<QaExample>();
        var corpus = new ContextCorpus("context-");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var row in Rows(path))
        {
            var fields = new JsonFields(path, index + 1, $"row {index}: ");
            var (question, paragraphs) = QaRows.Parse(fields, row, $"row-{index}");
            if (!ids.TryAdd(question.Id, index))
            {
                throw fields.Fail($"duplicate id '{question.Id}' (first in row {ids[question.Id]})");
            }

            questions.Add(question);
            corpus.Add(paragraphs);
            index++;
        }

        return questions.Count > 0 ? new HotpotQaData(questions, corpus.Documents) : throw new SearchQaDataException(path, null, "the file has no questions");
    }

    /// <summary>Each row of <paramref name="path"/> as a JSON object (nested lists and structs as arrays and objects).</summary>
    internal static IEnumerable<JsonElement> Rows(string path)
    {
        IList<Dictionary<string, object>> rows;
        QuestionLoader.EnsureNotSpecial(path);
        try
        {
            using var stream = File.OpenRead(path);
            // Parquet.Net is asynchronous only; loading runs once per process, off any actor's thread.
            rows = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult().Data;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SearchQaDataException(path, null, "file not found");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new SearchQaDataException(path, null, $"not a readable Parquet file ({ex.Message})");
        }

        foreach (var row in rows)
        {
            yield return ToJson(row);
        }
    }

    private static JsonElement ToJson(object row)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, row);
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case byte[] bytes:
                writer.WriteStringValue(Encoding.UTF8.GetString(bytes));
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong:
                writer.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case float or double or decimal:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(number))
                {
                    writer.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                }
                else
                {
                    writer.WriteNullValue();
                }

                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!);
                    Write(writer, entry.Value);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case IFormattable formattable:
                writer.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}
