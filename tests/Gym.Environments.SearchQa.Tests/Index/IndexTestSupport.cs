using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Index;

namespace Gym.Environments.SearchQa.Tests.Index;

/// <summary>A private cache root under the temp folder, deleted on dispose.</summary>
internal sealed class TempCacheRoot : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gym-sqindex-tests", System.IO.Path.GetRandomFileName());

    public SearchIndexOptions Options => new() { CacheRoot = Path };

    public void Dispose()
    {
        // A failed test can leave an open still running in the background; give it a moment to finish writing.
        for (var attempt = 0; attempt < 5 && Directory.Exists(Path); attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(200);
            }
        }
    }
}

/// <summary>A dozen encyclopedia-style documents whose right answers are unambiguous.</summary>
internal static class TinyCorpus
{
    public static IReadOnlyList<CorpusDocument> Documents { get; } =
    [
        new("d01", "Inception", "Inception is a 2010 science fiction film written and directed by Christopher Nolan. It stars Leonardo DiCaprio as a thief who steals secrets through dream-sharing technology."),
        new("d02", "Christopher Nolan", "Christopher Nolan is a British-American filmmaker known for directing Memento, The Dark Knight trilogy, Inception and Oppenheimer."),
        new("d03", "Paris", "Paris is the capital and most populous city of France, on the river Seine."),
        new("d04", "France", "France is a country in Western Europe. Its capital is Paris and its currency is the euro."),
        new("d05", "Mount Everest", "Mount Everest is Earth's highest mountain above sea level, located in the Himalayas on the border between Nepal and China."),
        new("d06", "Marie Curie", "Marie Curie was a Polish and naturalised-French physicist and chemist who conducted pioneering research on radioactivity. She won two Nobel Prizes."),
        new("d07", "Python (programming language)", "Python is a high-level programming language whose design philosophy emphasizes code readability."),
        new("d08", "Ball python", "The ball python is a python species native to West and Central Africa."),
        new("d09", "Nile", "The Nile is a major north-flowing river in northeastern Africa, flowing into the Mediterranean Sea."),
        new("d10", "Leonardo DiCaprio", "Leonardo DiCaprio is an American actor and film producer. He starred in Titanic, Inception and The Revenant."),
        new("d11", "Oppenheimer (film)", "Oppenheimer is a 2023 epic biographical film written and directed by Christopher Nolan about J. Robert Oppenheimer."),
        new("d12", "Seine", "The Seine is a river in northern France that flows through Paris into the English Channel."),
    ];

    /// <summary>Queries with a clear best document (by title).</summary>
    public static IReadOnlyList<(string Query, string BestTitle)> Questions { get; } =
    [
        ("Who directed the film Inception?", "Inception"),
        ("highest mountain above sea level", "Mount Everest"),
        ("Which physicist researched radioactivity and won Nobel prizes?", "Marie Curie"),
        ("python programming language readability", "Python (programming language)"),
        ("ball python species Africa", "Ball python"),
        ("Leonardo DiCaprio actor", "Leonardo DiCaprio"),
    ];

    public static List<CorpusDocument> WithText(string id, string text) =>
        Documents.Select(d => d.Id == id ? d with { Text = text } : d).ToList();
}
