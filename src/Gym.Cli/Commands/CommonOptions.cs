using System.CommandLine;
using Gym.Core.Registry;
using Gym.Modules;
using Gym.Scenarios;

namespace Gym.Cli.Commands;

/// <summary>Options and services several commands share.</summary>
internal static class CommonOptions
{
    public static Argument<string> EnvironmentId() => new("env-id|scenario.yaml")
    {
        Description = "A registered environment id, e.g. tool-use/arithmetic-v0 (see 'gym list'), or the path of a YAML scenario file.",
    };

    /// <summary>Resolves an id or a scenario path: a scenario is loaded, validated and registered under its id; the caller owns (and disposes) it.</summary>
    public static (EnvironmentRegistry Registry, string Id, BuiltScenario? Scenario) Resolve(string idOrPath) => Resolve(CreateRegistry(), idOrPath);

    /// <summary>Resolves an id or a scenario path against <paramref name="registry"/>, registering a scenario there.</summary>
    public static (EnvironmentRegistry Registry, string Id, BuiltScenario? Scenario) Resolve(EnvironmentRegistry registry, string idOrPath)
    {
        if (!ScenarioFiles.IsScenarioPath(idOrPath))
        {
            registry.Get(idOrPath);
            return (registry, idOrPath, null);
        }

        var scenario = ScenarioEnvironments.Load(idOrPath, registry);
        return (registry, scenario.Spec.Id, scenario);
    }

    public static Option<string[]> Parameters() => new("--param", "-p")
    {
        Description = "An environment parameter as key=value; repeat for several (see 'gym list' for each id's parameters).",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    public static EnvironmentRegistry CreateRegistry() => GymModules.CreateRegistry();

    public static Dictionary<string, string> ParseParameters(string[] pairs) => EnvironmentParameters.ParsePairs(pairs, "--param");
}
