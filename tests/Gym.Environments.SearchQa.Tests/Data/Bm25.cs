using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Tests.Data;

/// <summary>
/// A plain in-memory BM25 (Lucene's defaults: k1 = 1.2, b = 0.75, its idf, its English stop words), enough to
/// check that a generated hop query finds its document without depending on the index under construction.
/// </summary>
internal sealed class Bm25
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of", "on", "or",
        "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
    };

    private readonly List<Dictionary<string, int>> _terms = [];
    private readonly List<int> _lengths = [];
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly List<string> _titles = [];
    private readonly double _averageLength;

    public Bm25(IEnumerable<CorpusDocument> documents, bool includeTitle)
    {
        foreach (var document in documents)
        {
            var tokens = Tokens(includeTitle ? document.Title + "\n" + document.Text : document.Text);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var token in tokens)
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }

            foreach (var term in counts.Keys)
            {
                _documentFrequency[term] = _documentFrequency.GetValueOrDefault(term) + 1;
            }

            _terms.Add(counts);
            _lengths.Add(tokens.Count);
            _titles.Add(document.Title);
        }

        _averageLength = _lengths.Average();
    }

    /// <summary>The titles of the <paramref name="k"/> best documents for <paramref name="query"/>.</summary>
    public IReadOnlyList<string> Top(string query, int k)
    {
        var terms = Tokens(query);
        var n = _terms.Count;
        var scores = new double[n];
        foreach (var term in terms)
        {
            if (!_documentFrequency.TryGetValue(term, out var df))
            {
                continue;
            }

            var idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
            for (var i = 0; i < n; i++)
            {
                if (_terms[i].TryGetValue(term, out var tf))
                {
                    scores[i] += idf * tf * 2.2 / (tf + (1.2 * (1 - 0.75 + (0.75 * _lengths[i] / _averageLength))));
                }
            }
        }

        return Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).Select(i => _titles[i]).ToList();
    }

    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                var token = text[start..i].ToLowerInvariant();
                if (!StopWords.Contains(token))
                {
                    tokens.Add(token);
                }

                start = -1;
            }
        }

        return tokens;
    }
}
