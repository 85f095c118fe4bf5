namespace Gym.Environments.SearchQa.Index;

/// <summary>How document and query text is split into index terms. Part of the cache key.</summary>
public enum SearchAnalyzerKind
{
    /// <summary>
    /// Lucene's <c>EnglishAnalyzer</c>: Unicode word tokenization (UAX #29), possessive <c>'s</c>
    /// removed, lower-cased, English stop words dropped, Porter-stemmed. The default: stemming lets
    /// "films" find "film" and "directing" find "directed", which helps question-shaped queries more
    /// than the few words it wrongly conflates hurt them, and the Porter stemmer is cheap.
    /// </summary>
    English,

    /// <summary>Lucene's <c>StandardAnalyzer</c>: the same tokenizer, lower-cased, English stop words dropped, no stemming.</summary>
    Standard,
}
