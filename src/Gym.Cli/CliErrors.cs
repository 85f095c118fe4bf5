using Gym.Core;
using Gym.Scenarios;

namespace Gym.Cli;

/// <summary>Turns the failures a user can cause into one-line messages; anything else is a bug.</summary>
public static class CliErrors
{
    /// <summary>The message for a user-caused failure, or null for an unexpected one.</summary>
    /// <remarks>Every module marks its user-caused failures with <see cref="IUserError"/>, so none is listed here.</remarks>
    public static string? Describe(Exception exception) => exception switch
    {
        // Located errors already say "file:line:col: error: …"; print them as they are.
        ScenarioLoadException load => string.Join(Environment.NewLine, load.Lines.Select(line => line.Replace(": error: ", ": ", StringComparison.Ordinal))),
        IUserError => exception.Message,
        ArgumentException argument => argument.Message,
        _ => null,
    };
}

/// <summary>An option value that parsed but makes no sense (e.g. an unknown policy kind).</summary>
public sealed class CliUsageException(string message) : Exception(message), IUserError;
