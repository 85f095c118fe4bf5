using Gym.Environments.SearchQa.Corpus;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;

namespace Gym.Environments.SearchQa.Index;

/// <summary>Writes a corpus into a fresh index folder (Lucene index and document store) and seals it with its completion marker.</summary>
internal static class IndexBuilder
{
    /// <summary>
    /// Builds the index of <paramref name="corpus"/> in <paramref name="folder"/> (which must not exist)
    /// and returns its marker, already written.
    /// </summary>
    /// <exception cref="InvalidOperationException">The corpus did not enumerate to the same content that produced <paramref name="key"/>.</exception>
    public static IndexMarker Build(IEnumerable<CorpusDocument> corpus, string folder, string key, SearchIndexOptions options)
    {
        var settings = IndexLayout.Settings(options);
        System.IO.Directory.CreateDirectory(folder);
        int count;
        Dictionary<string, string> hashes;
        // The folder is private to this build until it is renamed, so Lucene's write lock file would only be clutter.
        using (var directory = new MMapDirectory(new DirectoryInfo(folder), NoLockFactory.GetNoLockFactory()))
        using (var analyzer = IndexLayout.CreateAnalyzer(options.Analyzer))
        {
            var config = new IndexWriterConfig(IndexLayout.Version, analyzer)
            {
                OpenMode = OpenMode.CREATE,
                // Norms are encoded the same for any k1 and b; the searcher applies the configured ones.
                Similarity = new BM25Similarity(),
                RAMBufferSizeMB = options.RamBufferMB,
                // One indexing thread flushes segments in corpus order, and log merges only ever merge
                // adjacent segments, so Lucene's document numbers stay equal to corpus positions: the
                // document store relies on it, and ties in score break by corpus position on every build.
                MergePolicy = new LogByteSizeMergePolicy { NoCFSRatio = 0.0 },
                UseCompoundFile = false,
            };

            using (var store = new DocumentStore.Writer(folder))
            using (var writer = new IndexWriter(directory, config))
            {
                using var hasher = new CorpusHasher(settings);

                // One document and its fields, refilled for every corpus entry: Lucene's recommended way
                // to index fast, since it spares the per-document field allocations.
                var id = new StringField(IndexLayout.IdField, string.Empty, Field.Store.NO);
                var title = new Field(IndexLayout.TitleField, string.Empty, IndexLayout.Analysed);
                var titleKey = new StringField(IndexLayout.TitleKeyField, string.Empty, Field.Store.NO);
                var text = new Field(IndexLayout.TextField, string.Empty, IndexLayout.Analysed);
                var document = new Document { id, title, titleKey, text };

                foreach (var entry in corpus)
                {
                    hasher.Add(entry);
                    id.SetStringValue(entry.Id);
                    title.SetStringValue(entry.Title);
                    titleKey.SetStringValue(entry.Title);
                    text.SetStringValue(entry.Text);
                    writer.AddDocument(document);
                    store.Add(entry);
                }

                count = hasher.Count;
                if (hasher.Finish() != key)
                {
                    throw new InvalidOperationException(
                        "the corpus enumerated to different documents the second time (once to compute the cache key, once to build); "
                        + "pass a sequence that yields the same documents each time it is enumerated, e.g. a list");
                }

                if (options.MergeToSingleSegment)
                {
                    writer.ForceMerge(1);
                }

                writer.Commit();
                hashes = store.Finish();
            }

            CheckAlignment(directory, folder, count);
        }

        var files = new DirectoryInfo(folder).GetFiles()
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToDictionary(f => f.Name, f => f.Length, StringComparer.Ordinal);
        var marker = new IndexMarker(IndexLayout.FormatVersion, key, count, settings, files, hashes);
        marker.Write(folder);
        return marker;
    }

    /// <summary>
    /// Spot-checks that Lucene's document numbers match store positions (65 evenly spaced documents,
    /// first and last included). They always should; this turns a silent mismatch after some future
    /// change to the writer settings into a failed build.
    /// </summary>
    private static void CheckAlignment(Lucene.Net.Store.Directory directory, string folder, int count)
    {
        using var reader = DirectoryReader.Open(directory);
        using var store = DocumentStore.Open(folder);
        foreach (var number in Enumerable.Range(0, count == 0 ? 0 : 65).Select(i => (int)((count - 1L) * i / 64)).Distinct())
        {
            if (!IndexLayout.HoldsId(reader, number, store.Read(number).Id))
            {
                throw new InvalidOperationException($"internal error: Lucene document {number} is not corpus document {number}");
            }
        }
    }
}
