using Gym.Testing;

namespace Gym.Environments.Guessing.Tests;

/// <summary>Where the module's scenario file is.</summary>
internal static class ScenarioFiles
{
    public const string NoisyId = "guessing/noisy";

    public static string Noisy => RepositoryFolders.Path("scenarios", "guessing", "noisy.yaml");

}
