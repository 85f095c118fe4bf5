using Akka.Actor;
using Gym.Runtime.Rollouts;

namespace Gym.Runtime.Sinks;

/// <summary>
/// Writes finished episodes to their run's sink and acknowledges each one. The sink's bounded
/// channel pushes back on this actor, and the coordinator counts an episode live until its
/// acknowledgement, so a slow disk slows the run instead of filling memory.
/// </summary>
public sealed class TrajectorySinkActor : ReceiveActor
{
    /// <summary>Creates the actor; prefer <see cref="Props"/>.</summary>
    public TrajectorySinkActor(RunCatalog catalog)
    {
        ReceiveAsync<WriteEpisode>(async write =>
        {
            string? error = null;
            try
            {
                await catalog.Get(write.RunId).Sink.WriteAsync(write.Record, CancellationToken.None);
            }
            catch (Exception ex)
            {
                error = ex.Message;
            }

            Sender.Tell(new EpisodeWritten(write.RunId, write.Record, error));
        });
    }

    /// <summary>Props for the sink actor.</summary>
    public static Props Props(RunCatalog catalog) => Akka.Actor.Props.Create(() => new TrajectorySinkActor(catalog));
}
