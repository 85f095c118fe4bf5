using Gym.Core.Datasets;
using Gym.Core.Parsing;
using Gym.Core.Registry;
using Gym.Core.Episodes;
using Gym.Environments.SearchQa.Index;

namespace Gym.Environments.SearchQa.Tasks;

/// <summary>Which question kinds a synthetic task draws from.</summary>
public enum HopMix
{
    /// <summary>Single-hop questions only.</summary>
    Single,
    /// <summary>Two-hop bridge questions only.</summary>
    Bridge,
    /// <summary>Comparison questions only.</summary>
    Comparison,
    /// <summary>Three-hop questions only.</summary>
    ThreeHop,
    /// <summary>Bridge, comparison and three-hop questions in equal shares.</summary>
    MultiHop,
    /// <summary>All four kinds in equal shares.</summary>
    Mixed,
}

/// <summary>Where a search-QA task's questions and corpus come from.</summary>
public abstract record SearchQaSource
{
    /// <summary>A key that identifies the data, for sharing one loaded copy and one index between episodes.</summary>
    public abstract string Key { get; }
}

/// <summary>A generated knowledge base.</summary>
/// <param name="KnowledgeBaseSeed">The generator's seed (the corpus is a function of it).</param>
/// <param name="Documents">Corpus size.</param>
/// <param name="Hops">Which question kinds to ask.</param>
/// <param name="Questions">How many questions the pool holds (each episode draws one by its seed).</param>
public sealed record SyntheticSource(long KnowledgeBaseSeed, int Documents, HopMix Hops, int Questions) : SearchQaSource
{
    /// <inheritdoc />
    public override string Key => $"synthetic:{KnowledgeBaseSeed}:{Documents}:{Hops}:{Questions}";
}

/// <summary>Questions and a corpus read from files.</summary>
/// <param name="QuestionsPath">A JSONL or Parquet question file or a HotpotQA JSON file (absolute).</param>
/// <param name="CorpusPath">A JSONL corpus (absolute); null to use the questions' own context paragraphs.</param>
public sealed record FileSource(string QuestionsPath, string? CorpusPath) : SearchQaSource
{
    /// <inheritdoc />
    public override string Key => $"files:{QuestionsPath}|{CorpusPath}";
}

/// <summary>The knobs of a search-QA environment.</summary>
/// <param name="Source">Questions and corpus.</param>
/// <param name="TopK">Documents per search.</param>
/// <param name="MaxDocumentChars">Characters of each document's text shown in results (the title is always shown).</param>
/// <param name="Settings">Turn limit, action format, hint and reward weights.</param>
public sealed record SearchQaOptions(SearchQaSource Source, int TopK, int MaxDocumentChars, ToolEnvironmentSettings Settings)
{
    /// <summary>How results show titles: <see cref="SearchResultsStyle.Gym"/> (default) or Search-R1's quoted titles.</summary>
    public SearchResultsStyle Results { get; init; } = SearchResultsStyle.Gym;

    /// <summary>Which question each episode plays: drawn by seed (the default), in file order, or shuffled once per pass.</summary>
    public DatasetPosition Position { get; init; } = DatasetPosition.Sample;

    /// <summary>Parameters of <c>search-qa/synthetic-v0</c>.</summary>
    public static IReadOnlyDictionary<string, string> SyntheticHelp { get; } = new SortedDictionary<string, string>(Common, StringComparer.Ordinal)
    {
        ["documents"] = "corpus size, 1000 to 1000000 (default 10000)",
        ["kb_seed"] = "the knowledge base's seed: the corpus and question pool are a function of it (default 0)",
        ["hops"] = "question kinds: single | bridge | comparison | three-hop | multi-hop | mixed (default mixed)",
        ["questions"] = "questions in the pool, 1 to 100000 (default 1000); each episode draws one by its seed",
    };

    /// <summary>Parameters of <c>search-qa/files-v0</c>.</summary>
    public static IReadOnlyDictionary<string, string> FilesHelp { get; } = new SortedDictionary<string, string>(Common, StringComparer.Ordinal)
    {
        ["questions"] = "question file: JSONL or Parquet rows (FlashRAG question + golden_answers, HotpotQA/2Wiki/MuSiQue, verl/Search-R1 prompt + reward_model) or a HotpotQA JSON array (required)",
        ["order"] = "sample (each episode draws a question by its seed; default) | sequential (episode i plays question i mod N) | shuffled (every question once per pass, in a run-seeded order)",
        ["corpus"] = "corpus file: JSONL with id + contents (title on the first line) or id + title + text; optional when the questions carry their own context paragraphs (HotpotQA context, MuSiQue paragraphs), which then form the corpus",
    };

    private static Dictionary<string, string> Common => new(StringComparer.Ordinal)
    {
        ["top_k"] = "documents returned per search, 1 to 20 (default 3)",
        ["max_doc_chars"] = "characters of each document's text shown in search results, 50 to 100000 (default 600)",
        ["max_turns"] = "turns before truncation, 1 to 64 (default 6)",
        ["hint"] = "true to end observations with MEM1's turns-left hint (default false)",
        ["results"] = "how search and open results show titles: gym (Doc 1(Title: T) text; default) | search-r1 (Doc 1(Title: \"T\") text, as Search-R1 shows its Wikipedia corpus)",
        ["format"] = "xml-tags (<search>query</search>, Search-R1 style; default) | json-tool-calls",
    };

    /// <summary>Reads <c>search-qa/synthetic-v0</c>'s parameters.</summary>
    public static SearchQaOptions Synthetic(EnvironmentParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var source = new SyntheticSource(
            long.TryParse(parameters.GetString("kb_seed", "0"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seed)
                ? seed
                : throw new EnvironmentParameterException($"parameter 'kb_seed' must be a whole number (got '{parameters.GetString("kb_seed", "")}')"),
            parameters.GetInt("documents", 10_000, 1_000, 1_000_000),
            parameters.GetEnum("hops", HopMix.Mixed),
            parameters.GetInt("questions", 1_000, 1, 100_000));
        var options = WithCommon(source, parameters);
        parameters.EnsureAllUsed(SearchQaEnvironments.Synthetic, SyntheticHelp.Keys);
        return options;
    }

    /// <summary>Reads <c>search-qa/files-v0</c>'s parameters.</summary>
    public static SearchQaOptions Files(EnvironmentParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var questions = parameters.GetString("questions", "");
        if (questions.Length == 0)
        {
            throw new EnvironmentParameterException($"{SearchQaEnvironments.Files} needs parameter 'questions' (a question file)");
        }

        var corpus = parameters.GetString("corpus", "");
        foreach (var (name, file) in new[] { ("questions", questions), ("corpus", corpus) })
        {
            if (file.Length > 0 && !File.Exists(file))
            {
                throw new EnvironmentParameterException($"parameter '{name}': file '{file}' not found (from {Directory.GetCurrentDirectory()})");
            }
        }

        var options = WithCommon(new FileSource(Path.GetFullPath(questions), corpus.Length == 0 ? null : Path.GetFullPath(corpus)), parameters) with
        {
            Position = parameters.GetDatasetPosition(),
        };
        parameters.EnsureAllUsed(SearchQaEnvironments.Files, FilesHelp.Keys);
        return options;
    }

    private static SearchQaOptions WithCommon(SearchQaSource source, EnvironmentParameters parameters)
    {
        var hint = parameters.GetString("hint", "false");
        var settings = new ToolEnvironmentSettings(
            MaxTurns: parameters.GetInt("max_turns", 6, 1, 64),
            Format: parameters.GetEnum("format", ActionFormat.XmlTags),
            MaxToolCallsPerTurn: 1,
            FormatWeight: 0.2,
            ToolCallWeight: 0,
            OutcomeWeight: 1)
        {
            TurnsLeftHint = hint switch
            {
                "true" => true,
                "false" => false,
                _ => throw new EnvironmentParameterException($"parameter 'hint' must be true or false (got '{hint}')"),
            },
        };
        return new SearchQaOptions(source, parameters.GetInt("top_k", 3, 1, 20), parameters.GetInt("max_doc_chars", 600, 50, 100_000), settings)
        {
            Results = parameters.GetEnum("results", SearchResultsStyle.Gym),
        };
    }
}
