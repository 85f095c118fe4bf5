namespace Gym.Environments.SearchQa.Index;

/// <summary>One ranked result of <see cref="SearchIndex.Search(string, int)"/>.</summary>
/// <param name="Rank">1-based position in the result list.</param>
/// <param name="Id">The document's id.</param>
/// <param name="Title">The document's title.</param>
/// <param name="Text">The document's full body text.</param>
/// <param name="Score">The BM25 score (title and text clauses summed); only comparable within one query.</param>
public sealed record SearchHit(int Rank, string Id, string Title, string Text, float Score);
