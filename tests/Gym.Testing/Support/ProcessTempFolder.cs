namespace Gym.Testing;

/// <summary>
/// A temp folder shared by one test process (index caches that many tests reuse), created on first
/// use and deleted when the process exits.
/// </summary>
public static class ProcessTempFolder
{
    /// <summary>Creates the folder lazily; its name starts with <paramref name="prefix"/>.</summary>
    public static Lazy<string> Create(string prefix) => new(() =>
    {
        var path = Directory.CreateTempSubdirectory(prefix).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the OS cleans temp folders eventually.
            }
        };
        return path;
    });
}
