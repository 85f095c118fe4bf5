using Akka.Actor;
using Gym.Runtime.Rollouts;

namespace Gym.Runtime.Sinks;

/// <summary>
/// Writes finished episodes to their run's sink, one write at a time in arrival order, and
/// acknowledges each one. A write that completes synchronously (the usual case: the sink had room)
/// is acknowledged at once; one that has to wait is piped back, and writes arriving meanwhile queue
/// behind it. The sink's bounded channel pushes back on this actor, and the coordinator counts an
/// episode live until its acknowledgement, so a slow disk slows the run instead of filling memory.
/// </summary>
public sealed class TrajectorySinkActor : UntypedActor
{
    private readonly RunCatalog _catalog;
    private readonly Queue<(WriteEpisode Write, IActorRef ReplyTo)> _waiting = new();
    private IActorRef _self = ActorRefs.Nobody;
    private bool _writing;

    /// <summary>Creates the actor; prefer <see cref="Props"/>.</summary>
    public TrajectorySinkActor(RunCatalog catalog) => _catalog = catalog;

    /// <summary>Props for the sink actor.</summary>
    public static Props Props(RunCatalog catalog) => Akka.Actor.Props.Create(() => new TrajectorySinkActor(catalog));

    /// <inheritdoc />
    protected override void PreStart() => _self = Self;

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WriteEpisode write:
                if (_writing)
                {
                    _waiting.Enqueue((write, Sender));
                }
                else
                {
                    Write(write, Sender);
                }

                break;
            case Written written:
                _writing = false;
                written.ReplyTo.Tell(written.Reply, _self);
                while (!_writing && _waiting.TryDequeue(out var next))
                {
                    Write(next.Write, next.ReplyTo);
                }

                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Write(WriteEpisode write, IActorRef replyTo)
    {
        ValueTask pending;
        try
        {
            pending = _catalog.Get(write.RunId).Sink.WriteAsync(write.Record, CancellationToken.None);
        }
        catch (Exception ex)
        {
            replyTo.Tell(new EpisodeWritten(write.RunId, write.Record, ex.Message), _self);
            return;
        }

        if (pending.IsCompleted)
        {
            replyTo.Tell(new EpisodeWritten(write.RunId, write.Record, ErrorOf(pending)), _self);
            return;
        }

        _writing = true;
        pending.AsTask().PipeTo(
            _self,
            success: () => new Written(new EpisodeWritten(write.RunId, write.Record, null), replyTo),
            failure: ex => new Written(new EpisodeWritten(write.RunId, write.Record, Unwrap(ex).Message), replyTo));
    }

    private static string? ErrorOf(ValueTask completed)
    {
        if (completed.IsCompletedSuccessfully)
        {
            return null;
        }

        try
        {
            // Rethrows the write's exception, as awaiting it would.
            completed.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex.Message;
        }
    }

    private static Exception Unwrap(Exception ex) => ex is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : ex;

    private sealed record Written(EpisodeWritten Reply, IActorRef ReplyTo);
}
