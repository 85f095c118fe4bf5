using Gym.Core.Registry;
using Gym.Environments.SearchQa.Index;
using Gym.Modules;
using Gym.Testing;

namespace Gym.Scenarios.Tests;

/// <summary>Where the test scenarios and the repository's docs are.</summary>
internal static class TestFiles
{
    public static string Valid(string relative) => Path.Combine(AppContext.BaseDirectory, "Valid", relative);

    public static string MalformedDirectory => Path.Combine(AppContext.BaseDirectory, "Malformed");

    public static string Malformed(string name) => Path.Combine(MalformedDirectory, name);

    /// <summary>Every module the distribution ships (the CLI's registry), with caches in one temp folder for this test process.</summary>
    public static EnvironmentRegistry Registry()
    {
        _ = Cache.Value;
        return GymModules.CreateRegistry();
    }

    // GYM_CACHE moves every module's cache, so the test registry is the CLI's own, unconfigured.
    private static readonly Lazy<string> Cache = new(() =>
    {
        var root = ProcessTempFolder.Create("gym-scenario-cache-").Value;
        Environment.SetEnvironmentVariable(SearchIndexOptions.CacheEnvironmentVariable, root);
        return root;
    });

    /// <summary>The repository root: the first folder above the test output that holds Gym.sln.</summary>
    public static string RepositoryRoot => RepositoryFolders.Root;
}
