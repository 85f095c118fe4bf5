using Gym.Core.Episodes;
using Gym.Core.Parsing;

namespace Gym.Core.Policies;

/// <summary>
/// Tells a policy which tools an episode offers and how its actions are written, so that a policy that
/// speaks chat-completion structure (tool schemas, <c>tool_calls</c>) can build it from the episode's text.
/// </summary>
public interface IEpisodeToolSource
{
    /// <summary>The tools and action parser of <paramref name="request"/>'s episode, or null when it has none.</summary>
    EpisodeTools? ToolsFor(PolicyRequest request);
}

/// <summary>
/// The tools of a task source's episodes: tasks are a pure function of their seed, so the tools an
/// episode offers are those of <see cref="ITaskSource.CreateTask"/> at the episode's seed, as the
/// generic expert regenerates them. Owns the environment it was made from.
/// </summary>
public sealed class TaskSourceToolSource : IEpisodeToolSource, IDisposable
{
    private readonly ITaskSource _source;
    private readonly IDisposable? _owned;

    /// <summary>Reads tools from <paramref name="source"/>; disposes it with this object when it is disposable.</summary>
    public TaskSourceToolSource(ITaskSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _owned = source as IDisposable;
    }

    /// <summary>A tool source for <paramref name="environment"/> when it is a task source; otherwise disposes it and returns null.</summary>
    public static TaskSourceToolSource? TryCreate(IEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment is ITaskSource source)
        {
            return new TaskSourceToolSource(source);
        }

        environment.Dispose();
        return null;
    }

    /// <summary>The tools and parser of the task made from <paramref name="seed"/>.</summary>
    public EpisodeTools ToolsFor(long seed) => Of(_source, seed);

    /// <summary>The tools and parser of the task <paramref name="source"/> makes from <paramref name="seed"/>.</summary>
    public static EpisodeTools Of(ITaskSource source, long seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tools = source.CreateTask(seed).Tools;
        var settings = source.Settings;
        return new EpisodeTools(tools, ActionParsers.Create(settings.Format, tools, settings.MaxToolCallsPerTurn));
    }

    /// <inheritdoc />
    public EpisodeTools? ToolsFor(PolicyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ToolsFor(request.Seed);
    }

    /// <inheritdoc />
    public void Dispose() => _owned?.Dispose();
}
