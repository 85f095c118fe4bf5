using System.Collections.Concurrent;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;
using Gym.Environments.SearchQa.Index;

namespace Gym.Environments.SearchQa.Tasks;

/// <summary>
/// A task's questions, its opened index and its two tools, loaded once per process and shared by
/// every episode (environments are made per episode; the data and index are not). Tools are shared
/// instances, so multi-objective tasks can offer them from every objective.
/// </summary>
public sealed class SearchQaData
{
    private static readonly ConcurrentDictionary<string, Lazy<SearchQaData>> Loaded = new(StringComparer.Ordinal);

    private SearchQaData(IReadOnlyList<QaExample> questions, SearchIndex index, int topK, int maxDocumentChars, SearchResultsStyle style)
    {
        Questions = questions.Count > 0 ? questions : throw new InvalidOperationException("the task has no questions");
        Index = index;
        Search = new SearchTool(index, topK, maxDocumentChars, style);
        Open = new OpenTool(index, style);
    }

    /// <summary>The question pool.</summary>
    public IReadOnlyList<QaExample> Questions { get; }

    /// <summary>The corpus's BM25 index.</summary>
    public SearchIndex Index { get; }

    /// <summary>The search tool.</summary>
    public SearchTool Search { get; }

    /// <summary>The open-document tool.</summary>
    public OpenTool Open { get; }

    /// <summary>
    /// The data for <paramref name="options"/>, loaded (and its index built or reused from the cache) on
    /// first use in this process. A failure is not cached, so a fixed file can be retried.
    /// </summary>
    public static SearchQaData For(SearchQaOptions options, SearchIndexOptions? indexOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = $"{options.Source.Key}|k={options.TopK}|chars={options.MaxDocumentChars}|results={options.Results}|root={indexOptions?.CacheRoot}";
        var lazy = Loaded.GetOrAdd(key, _ => new Lazy<SearchQaData>(() => Load(options, indexOptions), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Loaded.TryRemove(new KeyValuePair<string, Lazy<SearchQaData>>(key, lazy));
            throw;
        }
    }

    private static SearchQaData Load(SearchQaOptions options, SearchIndexOptions? indexOptions)
    {
        var (questions, corpus) = options.Source switch
        {
            SyntheticSource synthetic => Synthetic(synthetic),
            FileSource files => Files(files),
            _ => throw new InvalidOperationException($"unknown source {options.Source.GetType().Name}"),
        };
        var index = SearchIndex.Open(corpus, (indexOptions ?? SearchIndexOptions.Default) with { TopK = options.TopK });
        return new SearchQaData(questions, index, options.TopK, options.MaxDocumentChars, options.Results);
    }

    private static (IReadOnlyList<QaExample>, IEnumerable<CorpusDocument>) Synthetic(SyntheticSource source)
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(source.KnowledgeBaseSeed, source.Documents));
        HopKind[] kinds = source.Hops switch
        {
            HopMix.Single => [HopKind.SingleHop],
            HopMix.Bridge => [HopKind.Bridge],
            HopMix.Comparison => [HopKind.Comparison],
            HopMix.ThreeHop => [HopKind.ThreeHop],
            HopMix.MultiHop => [HopKind.Bridge, HopKind.Comparison, HopKind.ThreeHop],
            _ => [HopKind.SingleHop, HopKind.Bridge, HopKind.Comparison, HopKind.ThreeHop],
        };
        var perKind = (source.Questions + kinds.Length - 1) / kinds.Length;
        var pools = kinds.Select((kind, i) => kb.Questions(kind, perKind, source.KnowledgeBaseSeed + i)).ToList();
        // Interleave the kinds so any prefix of the pool mixes them evenly.
        var questions = new List<QaExample>(source.Questions);
        for (var i = 0; questions.Count < source.Questions && i < perKind; i++)
        {
            foreach (var pool in pools.Where(p => i < p.Count))
            {
                if (questions.Count < source.Questions)
                {
                    questions.Add(pool[i]);
                }
            }
        }

        return (questions, kb.Documents);
    }

    private static (IReadOnlyList<QaExample>, IEnumerable<CorpusDocument>) Files(FileSource source)
    {
        if (source.CorpusPath is { } corpus)
        {
            return ([.. QuestionLoader.Read(source.QuestionsPath)], [.. CorpusLoader.Read(corpus)]);
        }

        // Without a corpus the questions' own context paragraphs form one: a HotpotQA array's, or those JSONL and
        // Parquet rows carry (HotpotQA 'context', MuSiQue 'paragraphs').
        var data = ParquetQuestions.IsParquet(source.QuestionsPath) ? ParquetQuestions.ReadWithContext(source.QuestionsPath)
            : QuestionLoader.IsHotpotQa(source.QuestionsPath) ? HotpotQa.ReadWithContext(source.QuestionsPath)
            : QuestionLoader.ReadJsonLinesWithContext(source.QuestionsPath);
        return data.Documents.Count > 0
            ? (data.Questions, data.Documents)
            : throw new SearchQaDataException(source.QuestionsPath, null, "the questions carry no context paragraphs of their own ('context' or 'paragraphs'); give a corpus file (parameter 'corpus')");
    }
}
