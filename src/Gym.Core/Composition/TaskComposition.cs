using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Composition;

/// <summary>Helpers the composite tasks share: tool unions and prefixed names.</summary>
internal static class TaskComposition
{
    /// <summary>The tools of all tasks, first occurrence first; a name offered by two tasks must be the same tool.</summary>
    public static IReadOnlyList<ITool> UnionTools(IReadOnlyList<EpisodeTask> tasks, string what)
    {
        var tools = new List<ITool>();
        var byName = new Dictionary<string, ITool>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            foreach (var tool in task.Tools)
            {
                if (!byName.TryGetValue(tool.Name, out var known))
                {
                    byName.Add(tool.Name, tool);
                    tools.Add(tool);
                }
                else if (!ReferenceEquals(known, tool) && !known.Equals(tool))
                {
                    throw new InvalidOperationException($"two {what} offer different tools named '{tool.Name}'; tools with the same name must be the same tool");
                }
            }
        }

        return tools;
    }

    /// <summary>The terms renamed <c>prefix.name</c> with their weights scaled.</summary>
    public static IEnumerable<RewardTerm> Prefix(IEnumerable<RewardTerm> terms, string prefix, double scale = 1) =>
        terms.Select(t => t with { Name = $"{prefix}.{t.Name}", Weight = t.Weight * scale });

    /// <summary>A short name for a source, for default composite ids.</summary>
    public static string NameOf(ITaskSource source) => source is IEnvironment environment ? environment.Id : source.GetType().Name;
}
