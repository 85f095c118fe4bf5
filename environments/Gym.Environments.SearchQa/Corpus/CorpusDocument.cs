namespace Gym.Environments.SearchQa.Corpus;

/// <summary>One document of a search corpus.</summary>
/// <param name="Id">A stable id, unique in the corpus.</param>
/// <param name="Title">The title (Search-R1 shows it as <c>Doc i(Title: …)</c>; gold supporting documents are named by it).</param>
/// <param name="Text">The body text.</param>
public sealed record CorpusDocument(string Id, string Title, string Text);

/// <summary>The kind of reasoning a question needs.</summary>
public enum HopKind
{
    /// <summary>One fact from one document.</summary>
    SingleHop,
    /// <summary>Two documents linked by a bridge entity.</summary>
    Bridge,
    /// <summary>Two entities' attributes compared.</summary>
    Comparison,
    /// <summary>Three documents chained.</summary>
    ThreeHop,
    /// <summary>Read from a file; the kind is not known.</summary>
    Unknown,
}

/// <summary>One question with its gold answers and the documents that support them.</summary>
/// <param name="Id">A stable id.</param>
/// <param name="Question">The question text.</param>
/// <param name="Answers">Every accepted answer (aliases); empty when the question has none.</param>
/// <param name="SupportingTitles">Titles of the documents that support the answer, in hop order; empty when unknown.</param>
/// <param name="Kind">The reasoning it needs.</param>
/// <param name="HopQueries">For generated questions: one good search query per hop, in order (the expert's plan); empty otherwise.</param>
public sealed record QaExample(string Id, string Question, IReadOnlyList<string> Answers, IReadOnlyList<string> SupportingTitles, HopKind Kind, IReadOnlyList<string> HopQueries)
{
    /// <summary>The grouping fields a dataset row carries (<c>data_source</c>, <c>type</c>, <c>level</c>), as text; empty when it has none.</summary>
    /// <remarks>They go into the episode's reset info so that a run's summary can report metrics per source, type and level.</remarks>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = NoTags;

    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>(StringComparer.Ordinal);
}
