using System.CommandLine;
using Gym.Core.Registry;
using Gym.Environments.ToolUse;

namespace Gym.Cli.Commands;

/// <summary>Options and services several commands share.</summary>
internal static class CommonOptions
{
    public static Argument<string> EnvironmentId() => new("env-id")
    {
        Description = "A registered environment id, e.g. tool-use/arithmetic-v0 (see 'gym list').",
    };

    public static Option<string[]> Parameters() => new("--param", "-p")
    {
        Description = "An environment parameter as key=value; repeat for several (see 'gym list' for each id's parameters).",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    public static EnvironmentRegistry CreateRegistry() => new EnvironmentRegistry().AddToolUse();

    public static Dictionary<string, string> ParseParameters(string[] pairs)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"--param '{pair}' must look like key=value");
            }

            values[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        return values;
    }
}
