using Gym.Core.Trajectories;

namespace Gym.Runtime.Rollouts;

/// <summary>
/// What a coordinator does when an episode ends and when the sink has written it: the one copy of
/// that bookkeeping, shared by the single-process coordinator and the cluster head's, so that both
/// count, observe and write episodes alike.
/// </summary>
public static class EpisodeBookkeeping
{
    /// <summary>Records an ended episode: true when it goes to the sink; false for a cancelled one, counted and shown to <paramref name="observer"/> here.</summary>
    public static bool Ended(RolloutState state, IRolloutObserver? observer, EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.OnEnded(record))
        {
            return true;
        }

        observer?.OnEpisode(record);
        return false;
    }

    /// <summary>Records what the sink did with an episode: false when writing failed, and the run must then be cancelled.</summary>
    public static bool Written(RolloutState state, IRolloutObserver? observer, EpisodeWritten written)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(written);
        state.OnWritten(written.Record, written.Error);
        if (written.Error is not null)
        {
            return false;
        }

        observer?.OnEpisode(written.Record);
        return true;
    }
}
