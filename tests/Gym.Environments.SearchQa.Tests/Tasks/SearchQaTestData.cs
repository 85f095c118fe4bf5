using Gym.Core.Registry;
using Gym.Environments.SearchQa.Index;
using Gym.Testing;

namespace Gym.Environments.SearchQa.Tests.Tasks;

/// <summary>One index cache folder for this test process (deleted when it exits), and a registry that uses it.</summary>
internal static class SearchQaTestData
{
    private static readonly Lazy<string> Root = ProcessTempFolder.Create("gym-searchqa-tasks-");

    public static SearchIndexOptions Index => new() { CacheRoot = Root.Value, Verification = IndexVerification.Fast };

    public static EnvironmentRegistry Registry() => new EnvironmentRegistry().AddSearchQa(Index);

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", name);

    /// <summary>The repository's scenarios/search-qa/data folder.</summary>
    public static string ScenarioData(string name) => RepositoryFolders.Path("scenarios", "search-qa", "data", name);
}
