using Akka.Actor;
using Gym.Core.Trajectories;
using Gym.Runtime.Rollouts;

namespace Gym.Cluster.Wire;

/// <summary>
/// Marks a message that crosses nodes. Every type carrying it must have a binding to
/// <see cref="GymWireSerializer"/> (a test scans the assembly and fails otherwise), so no message
/// ever falls back to Akka's default reflection-based serializer.
/// </summary>
public interface IClusterMessage;

/// <summary>
/// The head's order to the sharded entity <see cref="EntityId"/> to play one episode; sent through the
/// shard region, which delivers it to whichever node hosts the entity's shard.
/// </summary>
/// <param name="RunId">The head's run id (its policy gateway and sink know it).</param>
/// <param name="Source">What the worker resolves to an environment registry: an environment id or a scenario path.</param>
/// <param name="PolicyId">The policy's id, recorded in the trajectory.</param>
/// <param name="Plan">The run's plan (episode seeds derive from it).</param>
/// <param name="Start">The episode: index, curriculum level, parameters.</param>
/// <param name="Attempt">Which try this is: a re-run after a node loss gets the next number, and only the current try's end counts.</param>
/// <param name="Gateway">The head's policy gateway, which episode actors ask for actions.</param>
/// <param name="Coordinator">The head's coordinator, which hears when the episode starts and ends.</param>
public sealed record PlayShardedEpisode(
    string RunId,
    string Source,
    string PolicyId,
    RolloutPlan Plan,
    EpisodeStart Start,
    int Attempt,
    IActorRef Gateway,
    IActorRef Coordinator) : IClusterMessage
{
    /// <summary>The sharded entity's id: the run and the episode index.</summary>
    public string EntityId => EpisodeEntityIds.Of(RunId, Start.Episode);
}

/// <summary>An entity's acknowledgement that it is playing an episode; the head watches the sender, so a lost node means a re-run.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Episode">The episode index.</param>
/// <param name="Attempt">The try being played.</param>
public sealed record EpisodeAccepted(string RunId, long Episode, int Attempt) : IClusterMessage;

/// <summary>An entity's report of its episode's end, with the whole trajectory.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Attempt">The try that ended.</param>
/// <param name="Record">The trajectory.</param>
public sealed record ShardedEpisodeEnded(string RunId, int Attempt, EpisodeRecord Record) : IClusterMessage;

/// <summary>Tells an entity to drop its episode: sent on cancellation, and by sharding itself when a shard moves to another node.</summary>
public sealed record StopEpisodeEntity : IClusterMessage
{
    /// <summary>The message.</summary>
    public static StopEpisodeEntity Instance { get; } = new();
}

/// <summary>Entity ids of sharded episodes.</summary>
public static class EpisodeEntityIds
{
    /// <summary>The entity id of episode <paramref name="episode"/> of run <paramref name="runId"/>.</summary>
    public static string Of(string runId, long episode) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{runId}/{episode}");
}
