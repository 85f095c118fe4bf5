using Gym.Core.Datasets;
using Gym.Core.Policies;
using Gym.Environments.SearchQa.Data;
using Gym.Core.Registry;
using Gym.Environments.SearchQa.Tasks;
using Gym.Environments.SearchQa.Index;
using Gym.Environments.SearchQa.Rewards;

namespace Gym.Environments.SearchQa;

/// <summary>Registers the search-QA environments.</summary>
public static class SearchQaEnvironments
{
    /// <summary>Questions over a generated knowledge base.</summary>
    public const string Synthetic = "search-qa/synthetic-v0";

    /// <summary>Questions and a corpus from files (FlashRAG / Search-R1 JSONL, HotpotQA JSON).</summary>
    public const string Files = "search-qa/files-v0";

    /// <summary>
    /// Adds the search-QA module to <paramref name="registry"/>: its environments, its episode state
    /// (retrieved documents, queries) and the retrieval reward components that read it.
    /// <paramref name="index"/> sets where indexes are cached.
    /// </summary>
    public static EnvironmentRegistry AddSearchQa(this EnvironmentRegistry registry, SearchIndexOptions? index = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.BeginModule("search-qa");
        registry.StateKeys.Add(SearchState.Provider);
        foreach (var kind in SearchRewardComponents.Kinds)
        {
            registry.Rewards.Register(kind);
        }

        // Scenarios' `task: {dataset: FILE}` can then name Parquet question files too.
        registry.DatasetFormats.Register(new QaDatasetFormat(
            "parquet",
            [".parquet"],
            "Parquet rows, verl / Search-R1 style (`prompt` chat messages, `reward_model.ground_truth.target`, `extra_info.index`) or FlashRAG columns (`question`, `golden_answers`)",
            LoadParquetDataset));

        return registry
            .Register(Describe(Synthetic, "search QA over a generated multi-hop knowledge base (BM25 search, Search-R1 format)", SearchQaOptions.SyntheticHelp, SearchQaOptions.Synthetic, index))
            .Register(Describe(Files, "search QA from question and corpus files (FlashRAG/Search-R1 JSONL, HotpotQA JSON)", SearchQaOptions.FilesHelp, SearchQaOptions.Files, index) with
            {
                PathParameters = new HashSet<string>(["questions", "corpus"], StringComparer.Ordinal),
            });
    }

    private static EnvironmentDescriptor Describe(string id, string description, IReadOnlyDictionary<string, string> help, Func<EnvironmentParameters, SearchQaOptions> read, SearchIndexOptions? index) => new(
        id,
        description,
        help,
        parameters => Make(id, read(parameters), index),
        (parameters, expert) => new PlanExpert(Make(id, read(parameters), index), expert));

    private static IReadOnlyList<QaItem> LoadParquetDataset(string path)
    {
        try
        {
            return [.. ParquetQuestions.Read(path).Select((q, row) => new QaItem(row + 1, q.Id, q.Question, q.Answers))];
        }
        catch (SearchQaDataException ex)
        {
            throw new QaDatasetException(ex.Message);
        }
    }

    private static SearchQaEnvironment Make(string id, SearchQaOptions options, SearchIndexOptions? index) => new(id, options, SearchQaData.For(options, index));
}
