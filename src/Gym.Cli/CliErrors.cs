using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Scenarios;

namespace Gym.Cli;

/// <summary>Turns the failures a user can cause into one-line messages; anything else is a bug.</summary>
public static class CliErrors
{
    /// <summary>The message for a user-caused failure, or null for an unexpected one.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        UnknownEnvironmentException or EnvironmentParameterException or TrajectorySinkException or CliUsageException or ScenarioBuildException
            or TrajectoryFormatException or RescoreException or Core.Rewards.Judging.JudgeException or Core.ChatCompletions.ChatCompletionsException
            or Environments.SearchQa.Data.SearchQaDataException => exception.Message,
        // Located errors already say "file:line:col: error: …"; print them as they are.
        ScenarioLoadException load => string.Join(Environment.NewLine, load.Errors.Select(e => e.ToString().Replace(": error: ", ": ", StringComparison.Ordinal))),
        ArgumentException argument => argument.Message,
        _ => null,
    };
}

/// <summary>An option value that parsed but makes no sense (e.g. an unknown policy kind).</summary>
public sealed class CliUsageException(string message) : Exception(message);
