namespace Gym.Scenarios;

/// <summary>Helpers for telling scenario files from environment ids on a command line.</summary>
public static class ScenarioFiles
{
    /// <summary>Whether <paramref name="argument"/> names a scenario file (it ends with <c>.yaml</c> or <c>.yml</c>, any case).</summary>
    public static bool IsScenarioPath(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        return argument.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || argument.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
    }
}
