using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Composition;

/// <summary>
/// Factories for the composition operators, so C# callers (and the scenario loader) can build
/// composed environments in one call. Every operator is deterministic per seed and keeps the
/// environment contract; see docs/composition.md. The environment an operator returns owns what it
/// was given (sources, parts, the wrapped environment): dispose the result, not its parts.
/// </summary>
public static class Compose
{
    /// <summary>Sub-tasks one after another in one episode; see <see cref="SequenceEnvironment"/>.</summary>
    /// <param name="parts">The parts, in order.</param>
    /// <param name="maxTurns">The turn limit; default the sum of the parts' limits.</param>
    /// <param name="id">The id; default <c>sequence(id1,id2,…)</c>.</param>
    public static SequenceEnvironment Sequence(IReadOnlyList<ITaskSource> parts, int? maxTurns = null, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new SequenceEnvironment(id ?? $"sequence({string.Join(",", parts.Select(TaskComposition.NameOf))})", parts, maxTurns);
    }

    /// <summary>Sub-tasks one after another in one episode, with default limits and id.</summary>
    public static SequenceEnvironment Sequence(params ITaskSource[] parts) => Sequence((IReadOnlyList<ITaskSource>)parts);

    /// <summary>K objectives from one source packed into one episode; see <see cref="MultiObjectiveEnvironment"/>.</summary>
    /// <param name="source">Where each objective's task comes from.</param>
    /// <param name="k">The number of objectives.</param>
    /// <param name="aggregate">Sum (MEM1) or mean of the per-objective scores.</param>
    /// <param name="separator">What separates the answers.</param>
    /// <param name="maxTurns">The turn limit; default the objectives' planned calls + K + 2.</param>
    /// <param name="id">The id; default <c>{source id}+objectives-K</c>.</param>
    public static MultiObjectiveEnvironment MultiObjective(
        ITaskSource source, int k, ObjectiveAggregate aggregate = ObjectiveAggregate.Sum, string separator = "; ", int? maxTurns = null, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new MultiObjectiveEnvironment(id ?? $"{TaskComposition.NameOf(source)}+objectives-{k}", source, new MultiObjectiveOptions(k, aggregate, separator, maxTurns));
    }

    /// <summary>Injects irrelevant or misleading user messages at a rate; see <see cref="DistractorEnvironment"/>.</summary>
    /// <param name="environment">The environment to wrap.</param>
    /// <param name="rate">Probability per non-terminal step.</param>
    /// <param name="texts">Messages to pick from (templates with <c>{n}</c> when misleading); null for built-in ones.</param>
    /// <param name="misleading">Inject wrong "corrections" instead of chatter.</param>
    /// <param name="seed">Mixed into the episode seed.</param>
    /// <param name="id">The id; default <c>{id}+distractors</c>.</param>
    public static DistractorEnvironment WithDistractors(
        IEnvironment environment, double rate, IReadOnlyList<string>? texts = null, bool misleading = false, long seed = 0, string? id = null) =>
        new(environment, new DistractorOptions(rate, texts, misleading, seed), id);

    /// <summary>Plays a source's tasks with seeded tool faults; see <see cref="ToolFaultSpec"/>.</summary>
    /// <param name="source">Where tasks come from (any <see cref="ToolEnvironment"/>, or a composed one).</param>
    /// <param name="faults">The fault rates.</param>
    /// <param name="maxTurns">The turn limit; default the source's.</param>
    /// <param name="id">The id; default <c>{source id}+tool-faults</c>.</param>
    public static TaskSourceEnvironment WithToolFaults(ITaskSource source, ToolFaultSpec faults, int? maxTurns = null, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(faults);
        var settings = source.Settings with { Faults = faults, MaxTurns = maxTurns ?? source.Settings.MaxTurns };
        return new TaskSourceEnvironment(id ?? $"{TaskComposition.NameOf(source)}+tool-faults", source, settings);
    }
}
