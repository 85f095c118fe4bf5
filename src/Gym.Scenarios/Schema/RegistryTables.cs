using System.Text;
using Gym.Core.Registry;
using Gym.Core.Rewards;

namespace Gym.Scenarios.Schema;

/// <summary>The reward reference's tables, written from a registry: every component kind and every state key its modules registered.</summary>
internal static class RegistryTables
{
    public static string Components(EnvironmentRegistry registry)
    {
        var text = new StringBuilder("| kind | scope | what it measures | parameters (default) |\n|---|---|---|---|\n");
        foreach (var kind in registry.Rewards.Kinds)
        {
            var parameters = kind.Parameters.Count == 0
                ? "—"
                : string.Join("<br>", kind.Parameters.Select(p => $"`{p.Name}` ({(p.Default is null ? "required" : $"`{p.Default}`")}): {Cell(p.Description)}"));
            text.Append($"| `{kind.Kind}` | {kind.Scope.ToString().ToLowerInvariant()} | {Cell(kind.Description)} | {parameters} |\n");
        }

        return text.ToString();
    }

    public static string StateKeys(EnvironmentRegistry registry)
    {
        var text = new StringBuilder("| key | from | meaning |\n|---|---|---|\n");
        foreach (var key in StateValues.CoreKeys)
        {
            text.Append($"| `{key.Name}` | core | {Cell(key.Description)} |\n");
        }

        foreach (var provider in registry.StateKeys.Providers)
        {
            foreach (var key in provider.Keys)
            {
                text.Append($"| `{key.Name}` | {provider.Name} | {Cell(key.Description)} |\n");
            }
        }

        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
