namespace Gym.Testing;

/// <summary>Where the repository is, seen from a test's output folder.</summary>
public static class RepositoryFolders
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The repository root: the first folder above the test output that holds Gym.sln.</summary>
    public static string Root => RootFolder.Value;

    /// <summary>A path below the repository root.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    // Tests run from bin/…; the repository root is the first folder above that holds Gym.sln.
    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Gym.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Gym.sln not found above the test output folder");
    }
}
