using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Gym.Environments.SearchQa.Corpus;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Gym.Environments.SearchQa.Index;

/// <summary>
/// A BM25 search tool over a corpus, backed by a Lucene.Net 4.8 index that is built on first use
/// into a cache folder named by the corpus content and reused afterwards.
/// </summary>
/// <remarks>
/// <para>
/// The cache key is the SHA-256 of the index settings (format version, analyzer, field layout)
/// followed by every document's id, title and text in corpus order. The index lives in
/// <c>&lt;cache root&gt;/&lt;key&gt;/</c>: Lucene's files hold the postings (id, title, exact title,
/// text; nothing stored), <c>gym-docs.bin</c>/<c>.idx</c> hold the documents for fast retrieval, and
/// <c>gym-index.json</c> is the completion marker (key, document count, every file with its length,
/// SHA-256 of the document files). A build writes into a private folder beside it, writes the marker
/// last and is then renamed into place, so a crash never leaves a half index under the key. An index
/// whose marker is missing or does not match, whose files are missing, truncated or (with
/// <see cref="IndexVerification.Checksums"/>) altered, or which Lucene cannot open with the expected
/// document count is moved aside and rebuilt. Threads and processes opening the same corpus at once
/// build it once: the others wait on a lock file and reuse the result. Indexes of other corpora are
/// left in the cache; delete folders by hand to reclaim the space.
/// </para>
/// <para>
/// <see cref="Search(string, int)"/>, <see cref="Get"/> and <see cref="GetByTitle"/> are thread-safe;
/// do not call them while or after the index is disposed.
/// </para>
/// </remarks>
public sealed class SearchIndex : IDisposable
{
    private const string NoResults = "<information>No results.</information>";

    // Two clauses (text, title) per distinct term keeps a query under Lucene's 1,024-clause limit.
    private const int MaxQueryTerms = 256;

    private readonly LuceneDirectory _directory;
    private readonly DirectoryReader _reader;
    private readonly DocumentStore _store;
    private readonly IndexSearcher _searcher;
    private readonly Analyzer _analyzer;
    private readonly float _titleBoost;
    private int _disposed;

    private SearchIndex(Opened opened, SearchIndexOptions options, string key, string path, Outcome outcome)
    {
        _directory = opened.Directory;
        _reader = opened.Reader;
        _store = opened.Store;
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity(options.K1, options.B) };
        _analyzer = IndexLayout.CreateAnalyzer(options.Analyzer);
        _titleBoost = options.TitleBoost;
        Options = options;
        CacheKey = key;
        IndexPath = path;
        DocumentCount = opened.Marker.Documents;
        SizeBytes = opened.Marker.SizeBytes;
        WasBuilt = outcome.WasBuilt;
        BuildTime = outcome.BuildTime;
        OpenTime = outcome.OpenTime;
        RebuildReason = outcome.RebuildReason;
    }

    /// <summary>The options the index was opened with.</summary>
    public SearchIndexOptions Options { get; }

    /// <summary>The cache key: lower-case hex SHA-256 of the settings and the corpus.</summary>
    public string CacheKey { get; }

    /// <summary>The folder holding the index.</summary>
    public string IndexPath { get; }

    /// <summary>Whether this open built the index (false: an existing cached index was reused).</summary>
    public bool WasBuilt { get; }

    /// <summary>Time spent building the index (writing, merging, committing); zero when it was reused.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>Wall time of the whole <see cref="Open"/>: hashing the corpus, verifying or building, opening.</summary>
    public TimeSpan OpenTime { get; }

    /// <summary>Bytes of the index files on disk.</summary>
    public long SizeBytes { get; }

    /// <summary>Documents in the index.</summary>
    public int DocumentCount { get; }

    /// <summary>
    /// Why a cached index already present under the key was rejected and rebuilt (for example
    /// "the completion marker is missing"); null when there was none or it was reused.
    /// </summary>
    public string? RebuildReason { get; }

    /// <summary>
    /// Opens the index of <paramref name="corpus"/>, building it into the cache first if no valid one is there.
    /// </summary>
    /// <param name="corpus">
    /// The documents, in a fixed order. It is enumerated once to compute the cache key and, only when the
    /// index must be built, a second time, so it must yield the same documents each time (a list, or a
    /// deterministic generator). Ids should be unique; <see cref="Get"/> returns the first of duplicates.
    /// </param>
    /// <param name="options">Settings; null means <see cref="SearchIndexOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">A document is null, has a null field, or an id or title too long to index.</exception>
    /// <exception cref="InvalidOperationException">The second enumeration of <paramref name="corpus"/> differed from the first.</exception>
    /// <exception cref="TimeoutException">Another process built the same index for longer than <see cref="SearchIndexOptions.BuildWaitTimeout"/>.</exception>
    public static SearchIndex Open(IEnumerable<CorpusDocument> corpus, SearchIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options ??= SearchIndexOptions.Default;
        options.Validate();

        var clock = Stopwatch.StartNew();
        var root = Path.GetFullPath(options.CacheRoot ?? SearchIndexOptions.DefaultCacheRoot());
        System.IO.Directory.CreateDirectory(root);
        var (key, count) = CorpusHasher.Compute(corpus, IndexLayout.Settings(options));
        var folder = Path.Combine(root, key);
        IndexCache.CleanStale(root);

        // The common case takes no lock: a complete index folder is immutable once renamed into place.
        if (TryOpen(folder, key, count, options.Verification, out var opened, out _))
        {
            return new SearchIndex(opened, options, key, folder, new Outcome(false, TimeSpan.Zero, clock.Elapsed, null));
        }

        using (IndexCache.AcquireLock(root, key, options.BuildWaitTimeout))
        {
            // Whoever held the lock before us may just have built it.
            if (TryOpen(folder, key, count, options.Verification, out opened, out var problem))
            {
                return new SearchIndex(opened, options, key, folder, new Outcome(false, TimeSpan.Zero, clock.Elapsed, null));
            }

            if (problem is not null && System.IO.Directory.Exists(folder))
            {
                IndexCache.Discard(root, key, folder);
            }

            var buildClock = Stopwatch.StartNew();
            var build = IndexCache.NewBuildFolder(root, key);
            try
            {
                IndexBuilder.Build(corpus, build, key, options);
            }
            catch
            {
                IndexCache.TryDelete(build);
                throw;
            }

            var wasBuilt = true;
            try
            {
                System.IO.Directory.Move(build, folder);
            }
            catch (IOException) when (System.IO.Directory.Exists(folder))
            {
                // Only reachable where file locks do not hold (locking disabled, some network file
                // systems): another process renamed its build into place first, and we use that one.
                IndexCache.TryDelete(build);
                wasBuilt = false;
            }

            buildClock.Stop();
            if (!TryOpen(folder, key, count, wasBuilt ? IndexVerification.Fast : options.Verification, out opened, out var failure))
            {
                throw new IOException($"the search index just built in {folder} does not open: {failure}");
            }

            var outcome = wasBuilt
                ? new Outcome(true, buildClock.Elapsed, clock.Elapsed, problem)
                : new Outcome(false, TimeSpan.Zero, clock.Elapsed, null);
            return new SearchIndex(opened, options, key, folder, outcome);
        }
    }

    /// <summary>The best <see cref="SearchIndexOptions.TopK"/> hits for <paramref name="query"/>.</summary>
    public IReadOnlyList<SearchHit> Search(string query) => Search(query, Options.TopK);

    /// <summary>
    /// The best <paramref name="k"/> documents for <paramref name="query"/> by BM25 over title and text,
    /// best first; ties keep corpus order. The query is plain text: it is analysed like the documents and
    /// every remaining term is an optional clause, so Lucene syntax (quotes, <c>:</c>, <c>AND</c>, <c>*</c>,
    /// <c>~</c>, brackets) has no meaning and never fails. A query with no indexable terms (empty, blank,
    /// only punctuation or stop words) returns no hits.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(string query, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ThrowIfDisposed();
        if (DocumentCount == 0 || BuildQuery(query) is not { } parsed)
        {
            return [];
        }

        var top = _searcher.Search(parsed, Math.Min(k, DocumentCount)).ScoreDocs;
        var hits = new SearchHit[top.Length];
        for (var i = 0; i < top.Length; i++)
        {
            var document = _store.Read(top[i].Doc);
            hits[i] = new SearchHit(i + 1, document.Id, document.Title, document.Text, top[i].Score);
        }

        return hits;
    }

    /// <summary>The document with id <paramref name="id"/> (the first in corpus order if ids repeat), or null.</summary>
    public CorpusDocument? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return First(IndexLayout.IdField, id);
    }

    /// <summary>The first document in corpus order whose title is exactly <paramref name="title"/> (ordinal), or null.</summary>
    public CorpusDocument? GetByTitle(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        return First(IndexLayout.TitleKeyField, title);
    }

    /// <summary>
    /// The documents whose title is exactly <paramref name="title"/> (ordinal), in corpus order, at most
    /// <paramref name="limit"/> of them, and how many there are in all (a chunked corpus gives every chunk
    /// of an article its title).
    /// </summary>
    public (IReadOnlyList<CorpusDocument> Documents, int Total) FindByTitle(string title, int limit)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ThrowIfDisposed();
        if (DocumentCount == 0)
        {
            return ([], 0);
        }

        // Constant scores tie, and ties go to the lowest document number: corpus order.
        var top = _searcher.Search(new ConstantScoreQuery(new TermQuery(new Term(IndexLayout.TitleKeyField, title))), Math.Min(limit, DocumentCount));
        return ([.. top.ScoreDocs.Select(d => _store.Read(d.Doc))], top.TotalHits);
    }

    /// <summary>
    /// Renders hits the way Search-R1 shows them to the model: <c>&lt;information&gt;</c>, then one line
    /// <c>Doc {rank}(Title: {title}) {text}</c> per hit, each ending in a newline, then
    /// <c>&lt;/information&gt;</c>; no hits render as <c>&lt;information&gt;No results.&lt;/information&gt;</c>.
    /// </summary>
    public static string Render(IReadOnlyList<SearchHit> hits) => Render(hits, int.MaxValue);

    /// <summary>
    /// <see cref="Render(IReadOnlyList{SearchHit})"/>, with each text cut to at most <paramref name="maxTextChars"/>
    /// characters (never inside a surrogate pair, trailing white space dropped) followed by <c>...</c> when it was cut.
    /// </summary>
    public static string Render(IReadOnlyList<SearchHit> hits, int maxTextChars) => Render(hits, maxTextChars, spans: null);

    /// <summary>
    /// <see cref="Render(IReadOnlyList{SearchHit}, int)"/>, also adding to <paramref name="spans"/> where each
    /// hit's shown text starts in the rendered string and how long it is.
    /// </summary>
    public static string Render(IReadOnlyList<SearchHit> hits, int maxTextChars, IList<(int Start, int Length)>? spans) =>
        Render(hits, maxTextChars, spans, SearchResultsStyle.Gym);

    /// <summary>
    /// <see cref="Render(IReadOnlyList{SearchHit}, int, IList{ValueTuple{int, int}})"/> with each title shown in
    /// <paramref name="style"/>: <see cref="SearchResultsStyle.SearchR1"/> writes <c>Doc 1(Title: "T") text</c>.
    /// </summary>
    public static string Render(IReadOnlyList<SearchHit> hits, int maxTextChars, IList<(int Start, int Length)>? spans, SearchResultsStyle style)
    {
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTextChars);
        if (hits.Count == 0)
        {
            return NoResults;
        }

        var builder = new StringBuilder("<information>");
        foreach (var hit in hits)
        {
            builder.Append(DocumentHeader(hit.Rank, hit.Title, style));
            var start = builder.Length;
            AppendTruncated(builder, hit.Text, maxTextChars);
            spans?.Add((start, builder.Length - start));
            builder.Append('\n');
        }

        return builder.Append("</information>").ToString();
    }

    /// <summary>
    /// What precedes a document's text in results: <c>Doc {rank}(Title: {title}) </c>, with the title in
    /// double quotes for <see cref="SearchResultsStyle.SearchR1"/>.
    /// </summary>
    public static string DocumentHeader(int rank, string title, SearchResultsStyle style) => style == SearchResultsStyle.SearchR1
        ? string.Create(CultureInfo.InvariantCulture, $"Doc {rank}(Title: \"{title}\") ")
        : string.Create(CultureInfo.InvariantCulture, $"Doc {rank}(Title: {title}) ");

    /// <summary>Closes the index files. Searches must not be running.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _reader.Dispose();
        _directory.Dispose();
        _store.Dispose();
        _analyzer.Dispose();
    }

    private static void AppendTruncated(StringBuilder builder, string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            builder.Append(text);
            return;
        }

        var cut = maxChars;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        builder.Append(text.AsSpan(0, cut).TrimEnd()).Append("...");
    }

    /// <summary>
    /// Turns plain text into an OR of term queries on text and title, built from the analyzer's
    /// tokens; no query parser, so no syntax to escape and nothing to throw. A repeated term becomes
    /// one clause weighted by its count, which scores the same as repeated clauses but costs one postings walk.
    /// </summary>
    private BooleanQuery? BuildQuery(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            // The tokenizer (UAX #29) treats a colon between letters as part of a word, so field syntax
            // such as title:Paris, which agents do sometimes write, would become the
            // single unmatchable term "title:paris". Documents rarely join words with a bare colon.
            text = text.Replace(':', ' ');
        }

        var terms = new List<string>();
        var counts = new List<int>();
        // The analyzer hands each thread its own reused token stream, so this is thread-safe and allocation-light.
        using (var stream = _analyzer.GetTokenStream(IndexLayout.TextField, text))
        {
            var term = stream.AddAttribute<ICharTermAttribute>();
            stream.Reset();
            while (stream.IncrementToken())
            {
                var index = IndexOf(terms, term.Buffer.AsSpan(0, term.Length));
                if (index >= 0)
                {
                    counts[index]++;
                }
                else if (terms.Count < MaxQueryTerms)
                {
                    terms.Add(term.ToString());
                    counts.Add(1);
                }
            }

            stream.End();
        }

        if (terms.Count == 0)
        {
            return null;
        }

        // Terms in a large share of documents (relation words like "born" or "founded") would make
        // BM25 score every one of those documents. When the query also has rarer terms, a document
        // must match one of those, and the common terms only add their usual score to it: the
        // scores of the documents that can rank are unchanged, and the cost follows the rare terms.
        var common = new bool[terms.Count];
        var threshold = Math.Max(1, (long)(Options.CommonTermShare * DocumentCount));
        var rare = 0;
        for (var i = 0; i < terms.Count; i++)
        {
            common[i] = Options.CommonTermShare < 1 && _reader.DocFreq(new Term(IndexLayout.TextField, terms[i])) > threshold;
            rare += common[i] ? 0 : 1;
        }

        if (rare == 0 || rare == terms.Count)
        {
            return Clauses(terms, counts, common, selectCommon: null);
        }

        var query = new BooleanQuery(disableCoord: true)
        {
            { Clauses(terms, counts, common, selectCommon: false), Occur.MUST },
        };
        foreach (var clause in Clauses(terms, counts, common, selectCommon: true).Clauses)
        {
            query.Add(clause);
        }

        return query;
    }

    /// <summary>An OR of text and title term queries for the terms whose commonness matches <paramref name="selectCommon"/> (all when null).</summary>
    private BooleanQuery Clauses(List<string> terms, List<int> counts, bool[] common, bool? selectCommon)
    {
        var query = new BooleanQuery(disableCoord: true);
        for (var i = 0; i < terms.Count; i++)
        {
            if (selectCommon is { } wanted && common[i] != wanted)
            {
                continue;
            }

            query.Add(new TermQuery(new Term(IndexLayout.TextField, terms[i])) { Boost = counts[i] }, Occur.SHOULD);
            if (_titleBoost > 0)
            {
                query.Add(new TermQuery(new Term(IndexLayout.TitleField, terms[i])) { Boost = counts[i] * _titleBoost }, Occur.SHOULD);
            }
        }

        return query;
    }

    private static int IndexOf(List<string> terms, ReadOnlySpan<char> term)
    {
        for (var i = 0; i < terms.Count; i++)
        {
            if (term.SequenceEqual(terms[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private CorpusDocument? First(string field, string value)
    {
        ThrowIfDisposed();
        if (DocumentCount == 0)
        {
            return null;
        }

        // Constant scores tie, and ties go to the lowest document number: the first in corpus order.
        var top = _searcher.Search(new ConstantScoreQuery(new TermQuery(new Term(field, value))), 1).ScoreDocs;
        if (top.Length == 0)
        {
            return null;
        }

        return _store.Read(top[0].Doc);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>
    /// Opens the index in <paramref name="folder"/> if it is complete and belongs to this corpus; otherwise
    /// says why not (<paramref name="problem"/> is null when the folder does not exist at all).
    /// </summary>
    private static bool TryOpen(string folder, string key, int count, IndexVerification verification, [NotNullWhen(true)] out Opened? opened, out string? problem)
    {
        opened = null;
        if (!System.IO.Directory.Exists(folder))
        {
            problem = null;
            return false;
        }

        var marker = IndexMarker.TryRead(folder, out problem);
        if (marker is null)
        {
            return false;
        }

        problem = CheckMarker(marker, folder, key, count);
        if (problem is not null)
        {
            return false;
        }

        LuceneDirectory? directory = null;
        DirectoryReader? reader = null;
        DocumentStore? store = null;
        try
        {
            problem = verification == IndexVerification.Checksums ? CheckStoreHashes(marker, folder) : null;
            if (problem is null)
            {
                // Readers take no locks; a read-only cache root must work.
                directory = new MMapDirectory(new DirectoryInfo(folder), NoLockFactory.GetNoLockFactory());
                reader = DirectoryReader.Open(directory);
                store = DocumentStore.Open(folder);
                problem = CheckContents(reader, store, count, verification);
            }
        }
        catch (Exception e)
        {
            // Damaged bytes surface from Lucene's decoders as almost any exception type (corrupt index,
            // end of stream, index out of range, out of memory for a bogus length); each means the same:
            // do not trust this folder.
            problem = $"it does not open: {e.GetType().Name}: {e.Message}";
        }

        if (problem is not null)
        {
            store?.Dispose();
            reader?.Dispose();
            directory?.Dispose();
            return false;
        }

        opened = new Opened(directory!, reader!, store!, marker);
        return true;
    }

    private static string? CheckContents(DirectoryReader reader, DocumentStore store, int count, IndexVerification verification)
    {
        if (reader.NumDocs != count || reader.MaxDoc != count)
        {
            return $"Lucene reports {reader.NumDocs} live of {reader.MaxDoc} documents, expected {count}";
        }

        if (store.Count != count)
        {
            return $"the document store holds {store.Count} documents, expected {count}";
        }

        if (count > 0 && !(IndexLayout.HoldsId(reader, 0, store.Read(0).Id) && IndexLayout.HoldsId(reader, count - 1, store.Read(count - 1).Id)))
        {
            return "the document store and the Lucene index disagree on document order";
        }

        if (verification == IndexVerification.Checksums)
        {
            foreach (var leaf in reader.Leaves)
            {
                leaf.AtomicReader.CheckIntegrity();
            }
        }

        return null;
    }

    private static string? CheckStoreHashes(IndexMarker marker, string folder)
    {
        foreach (var (name, expected) in marker.Hashes)
        {
            if (!string.Equals(DocumentStore.HashFile(Path.Combine(folder, name)), expected, StringComparison.Ordinal))
            {
                return $"{name} does not match its SHA-256 in the marker";
            }
        }

        return null;
    }

    private static string? CheckMarker(IndexMarker marker, string folder, string key, int count)
    {
        if (marker.Format != IndexLayout.FormatVersion)
        {
            return $"the marker is for index format {marker.Format}, not {IndexLayout.FormatVersion}";
        }

        if (!string.Equals(marker.Key, key, StringComparison.Ordinal))
        {
            return "the marker names a different corpus";
        }

        if (marker.Documents != count)
        {
            return $"the marker records {marker.Documents} documents, the corpus has {count}";
        }

        foreach (var (name, length) in marker.Files)
        {
            var file = new FileInfo(Path.Combine(folder, name));
            if (!file.Exists)
            {
                return $"index file {name} is missing";
            }

            if (file.Length != length)
            {
                return $"index file {name} is {file.Length} bytes, the marker records {length}";
            }
        }

        return null;
    }

    private sealed record Opened(LuceneDirectory Directory, DirectoryReader Reader, DocumentStore Store, IndexMarker Marker);

    private sealed record Outcome(bool WasBuilt, TimeSpan BuildTime, TimeSpan OpenTime, string? RebuildReason);
}
