namespace Gym.Environments.SearchQa.Index;

/// <summary>How <c>search</c> and <c>open</c> results show each document's title (environment parameter <c>results</c>).</summary>
public enum SearchResultsStyle
{
    /// <summary><c>Doc 1(Title: T) text</c>: the title as the corpus gives it (the default).</summary>
    Gym,

    /// <summary>
    /// <c>Doc 1(Title: "T") text</c>: what Search-R1's retriever shows for its Wikipedia corpus, whose
    /// <c>contents</c> start with the title in double quotes on the first line (Search-R1 prints that
    /// line as it is, so the quotes reach the model).
    /// </summary>
    SearchR1,
}
