using Gym.Core.Registry;
using Gym.Environments.Guessing;
using Gym.Environments.SearchQa;
using Gym.Environments.ToolUse;

namespace Gym.Modules;

/// <summary>Every environment module this distribution ships: the one list the CLI, the server and the tests share.</summary>
public static class GymModules
{
    /// <summary>Adds every module to <paramref name="registry"/>: environments, reward components, state keys and operators.</summary>
    /// <remarks>One line per module; adding a module to Gym is adding its line here (docs/extending.md).</remarks>
    public static EnvironmentRegistry AddAll(this EnvironmentRegistry registry) => registry
        .AddToolUse()
        .AddGuessing()
        .AddSearchQa();

    /// <summary>A new registry with every module.</summary>
    public static EnvironmentRegistry CreateRegistry() => new EnvironmentRegistry().AddAll();
}
