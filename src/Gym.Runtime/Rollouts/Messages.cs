using Gym.Core;
using Gym.Core.Policies;
using Gym.Core.Trajectories;

namespace Gym.Runtime.Rollouts;

/// <summary>Asks the coordinator to play a run; it answers <see cref="RolloutCompleted"/> when every episode has ended.</summary>
/// <param name="RunId">The run id from <see cref="RunCatalog"/>.</param>
/// <param name="Plan">What to play.</param>
public sealed record StartRollout(string RunId, RolloutPlan Plan);

/// <summary>Stops a run: no new episodes start, live ones end as cancelled, finished ones are still written.</summary>
/// <param name="RunId">The run.</param>
public sealed record CancelRollout(string RunId);

/// <summary>The coordinator's answer to <see cref="StartRollout"/>.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Finished">Episodes that completed and were written.</param>
/// <param name="Failed">Episodes that failed (written with their partial trajectories).</param>
/// <param name="Cancelled">Episodes cut short by cancellation (not written).</param>
/// <param name="SinkError">Why writing failed, if it did.</param>
public sealed record RolloutCompleted(string RunId, int Finished, int Failed, int Cancelled, string? SinkError)
{
    /// <summary>The curriculum's evaluated windows, when the plan had a curriculum.</summary>
    public IReadOnlyList<CurriculumStep> Curriculum { get; init; } = [];
}

/// <summary>An episode actor's request for its next action.</summary>
/// <param name="RunId">The run whose policy should answer.</param>
/// <param name="Request">The request.</param>
public sealed record RequestAction(string RunId, PolicyRequest Request)
{
    /// <summary>An opaque number the gateway echoes in its answer, so that a late answer is never taken for another episode's.</summary>
    public long Ticket { get; init; }
}

/// <summary>The gateway's answer: the action.</summary>
/// <param name="Action">The chosen action.</param>
public sealed record ActionChosen(AgentAction Action)
{
    /// <summary>The <see cref="RequestAction.Ticket"/> of the request answered.</summary>
    public long Ticket { get; init; }
}

/// <summary>The gateway's answer when the policy failed.</summary>
/// <param name="Error">What went wrong.</param>
public sealed record ActionFailed(string Error)
{
    /// <summary>The <see cref="RequestAction.Ticket"/> of the request answered.</summary>
    public long Ticket { get; init; }
}

/// <summary>Tells one of a run's episode actors (slots) to play an episode; it answers <see cref="EpisodeEnded"/>.</summary>
/// <param name="Start">The episode: index, curriculum level and parameters.</param>
public sealed record PlayEpisode(EpisodeStart Start);

/// <summary>An episode actor reports the end of its episode to its parent.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Record">The (possibly partial) trajectory.</param>
public sealed record EpisodeEnded(string RunId, EpisodeRecord Record)
{
    /// <summary>Whether the reporting actor is stopping (it crashed or was stopped) and must not be given another episode.</summary>
    public bool SlotStopped { get; init; }
}

/// <summary>Tells an episode actor to end its episode early and report it cancelled.</summary>
public sealed record CancelEpisode
{
    /// <summary>The message.</summary>
    public static CancelEpisode Instance { get; } = new();
}

/// <summary>Asks the trajectory sink actor to write an episode; it answers <see cref="EpisodeWritten"/>.</summary>
/// <param name="RunId">The run, whose sink is looked up in the catalog.</param>
/// <param name="Record">The episode.</param>
public sealed record WriteEpisode(string RunId, EpisodeRecord Record);

/// <summary>The sink actor's answer.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Record">The episode written.</param>
/// <param name="Error">Why it could not be written, if it could not.</param>
public sealed record EpisodeWritten(string RunId, EpisodeRecord Record, string? Error);
