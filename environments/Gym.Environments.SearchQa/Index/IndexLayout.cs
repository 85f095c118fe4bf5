using System.Globalization;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Util;

namespace Gym.Environments.SearchQa.Index;

/// <summary>The index's fields and analysis: everything that decides the bytes on disk.</summary>
internal static class IndexLayout
{
    /// <summary>Bump whenever the fields, their options or the build procedure change, so old caches are not reused.</summary>
    public const int FormatVersion = 1;

    public const LuceneVersion Version = LuceneVersion.LUCENE_48;

    /// <summary>The document id: one untokenized term. No field is stored in Lucene: see <see cref="DocumentStore"/>.</summary>
    public const string IdField = "id";

    /// <summary>The title, analysed.</summary>
    public const string TitleField = "title";

    /// <summary>The exact title as one untokenized term: the key of <see cref="SearchIndex.GetByTitle"/>.</summary>
    public const string TitleKeyField = "title_key";

    /// <summary>The body, analysed.</summary>
    public const string TextField = "text";

    /// <summary>Lucene rejects a single term over 32,766 UTF-8 bytes; a UTF-16 char is at most 3 of them.</summary>
    public const int MaxKeyChars = 32_766 / 3;

    /// <summary>
    /// Analysed, not stored, with term frequencies but no positions: BM25 over term queries needs no
    /// positions, and leaving them out makes the postings smaller and the build faster. The price is
    /// that phrase queries are impossible, and nothing here builds them.
    /// </summary>
    public static readonly FieldType Analysed = new FieldType
    {
        IsIndexed = true,
        IsTokenized = true,
        IndexOptions = IndexOptions.DOCS_AND_FREQS,
    }.Freeze();

    /// <summary>The settings string that starts the cache key's hash.</summary>
    public static string Settings(SearchIndexOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"gym-search-index/format={FormatVersion}/lucene={Version}/analyzer={options.Analyzer}/norms=bm25/"
        + $"fields=id:key,title:freqs,title_key:key,text:freqs/store=gym-docs-utf8/single-segment={options.MergeToSingleSegment}\n");

    /// <summary>Whether Lucene document <paramref name="number"/> carries the id term <paramref name="id"/>.</summary>
    public static bool HoldsId(IndexReader reader, int number, string id)
    {
        var postings = MultiFields.GetTermDocsEnum(reader, null, IdField, new BytesRef(id), DocsFlags.NONE);
        return postings is not null && postings.Advance(number) == number;
    }

    public static Analyzer CreateAnalyzer(SearchAnalyzerKind kind) => kind switch
    {
        SearchAnalyzerKind.English => new EnglishAnalyzer(Version),
        SearchAnalyzerKind.Standard => new StandardAnalyzer(Version),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown analyzer"),
    };
}
