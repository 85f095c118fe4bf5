using Gym.Core.Episodes;
using Gym.Server.Protocol;

namespace Gym.Server.Sessions;

/// <summary>Where a session's episode stands.</summary>
public enum SessionStatus
{
    /// <summary>No reset yet.</summary>
    New,

    /// <summary>An episode is in progress: step it.</summary>
    Running,

    /// <summary>The episode terminated or was truncated: reset to start another.</summary>
    Done,

    /// <summary>The environment threw during the last reset or step: reset to start again.</summary>
    Failed,
}

/// <summary>
/// The pure state of one session's episode: which episode, its seed, turn and running reward, and
/// whether a step is allowed now. The session shell applies results to it one at a time.
/// </summary>
public sealed class EpisodeState
{
    /// <summary>The status.</summary>
    public SessionStatus Status { get; private set; } = SessionStatus.New;

    /// <summary>How many resets this session has had, minus one: the index of the current episode (-1 before the first).</summary>
    public int Episode { get; private set; } = -1;

    /// <summary>The current episode's seed.</summary>
    public long Seed { get; private set; }

    /// <summary>The current episode's attempt.</summary>
    public int Attempt { get; private set; }

    /// <summary>Steps taken in the current episode.</summary>
    public int Turn { get; private set; }

    /// <summary>The sum of the current episode's rewards.</summary>
    public double EpisodeReward { get; private set; }

    /// <summary>Whether the last step terminated the episode.</summary>
    public bool Terminated { get; private set; }

    /// <summary>Whether the last step truncated the episode.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Why the episode stopped, or <see cref="StopReason.None"/>.</summary>
    public StopReason StopReason { get; private set; }

    /// <summary>The error that forbids a step now, or null when a step is allowed.</summary>
    public ServerError? StepError => Status switch
    {
        SessionStatus.New => ServerError.NotReset,
        SessionStatus.Done => ServerError.EpisodeDone,
        SessionStatus.Failed => ServerError.EpisodeFailed,
        _ => null,
    };

    /// <summary>A new episode started.</summary>
    public void OnReset(long seed, int attempt)
    {
        Episode++;
        Seed = seed;
        Attempt = attempt;
        Turn = 0;
        EpisodeReward = 0;
        Terminated = false;
        Truncated = false;
        StopReason = StopReason.None;
        Status = SessionStatus.Running;
    }

    /// <summary>A step completed.</summary>
    public void OnStep(StepResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Turn++;
        EpisodeReward += result.Reward;
        Terminated = result.Terminated;
        Truncated = result.Truncated;
        StopReason = result.StopReason;
        if (result.IsDone)
        {
            Status = SessionStatus.Done;
        }
    }

    /// <summary>The environment failed during a reset or step.</summary>
    public void OnFailure()
    {
        Status = SessionStatus.Failed;
        StopReason = StopReason.Error;
    }
}
