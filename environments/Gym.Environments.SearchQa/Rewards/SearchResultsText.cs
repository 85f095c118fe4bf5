using System.Text.RegularExpressions;

namespace Gym.Environments.SearchQa.Rewards;

/// <summary>
/// Reads Search-R1 style results, <c>Doc 1(Title: T) text Doc 2(Title: …) …</c> (optionally inside
/// <c>&lt;information&gt;</c>), from a tool's text; a title in double quotes (<c>Doc 1(Title: "T") text</c>,
/// as Search-R1 shows its Wikipedia corpus) is read without them. Text in any other shape holds no documents. Only for
/// rollout files recorded before tool results carried <see cref="RetrievedDocuments"/> data.
/// </summary>
public static partial class SearchResultsText
{
    [GeneratedRegex(@"Doc\s+(\d+)\s*\(Title:\s*", RegexOptions.CultureInvariant)]
    private static partial Regex DocStart();

    /// <summary>The documents in <paramref name="content"/>, in the order shown.</summary>
    public static IReadOnlyList<RetrievedDocument> Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var starts = DocStart().Matches(content);
        if (starts.Count == 0)
        {
            return [];
        }

        var documents = new List<RetrievedDocument>(starts.Count);
        for (var i = 0; i < starts.Count; i++)
        {
            var bodyStart = starts[i].Index + starts[i].Length;
            var end = i + 1 < starts.Count ? starts[i + 1].Index : content.Length;
            var body = content[bodyStart..end];
            // Titles may hold parentheses; the title ends at the first ')' followed by whitespace or the end.
            var close = FindTitleEnd(body);
            var title = Unquote((close < 0 ? body : body[..close]).Trim());
            var text = close < 0 ? string.Empty : body[(close + 1)..].Replace("</information>", "", StringComparison.Ordinal).Trim();
            documents.Add(new RetrievedDocument(int.Parse(starts[i].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), null, title, text));
        }

        return documents;
    }

    private static string Unquote(string title) =>
        title.Length >= 2 && title[0] == '"' && title[^1] == '"' ? title[1..^1] : title;

    private static int FindTitleEnd(string body)
    {
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == ')' && (i + 1 == body.Length || char.IsWhiteSpace(body[i + 1])))
            {
                return i;
            }
        }

        return -1;
    }
}
