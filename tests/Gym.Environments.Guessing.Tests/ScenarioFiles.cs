namespace Gym.Environments.Guessing.Tests;

/// <summary>Where the module's scenario file is.</summary>
internal static class ScenarioFiles
{
    public const string NoisyId = "guessing/noisy";

    public static string Noisy => Path.Combine(RepositoryRoot, "scenarios", "guessing", "noisy.yaml");

    /// <summary>The repository root: the first folder above the test output that holds Gym.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Gym.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException("Gym.sln not found above the test output folder");
        }
    }
}
