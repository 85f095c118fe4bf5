namespace Gym.Environments.SearchQa.Tests.Data;

/// <summary>Paths of the files under Data/Fixtures, copied next to the test assembly.</summary>
internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", name);
}
