using System.Globalization;
using Gym.Core.Context;

namespace Gym.Core.Trajectories;

/// <summary>
/// Rebuilds, from a trajectory alone, the exact messages the policy saw on a turn: each recorded
/// <see cref="ContextSegment"/> names a prompt message, an earlier action (possibly think-stripped)
/// or an earlier observation message. A learner uses this to recover the attention mask and the
/// positions seen at generation time instead of those of a stitched full-history sequence.
/// </summary>
public static class ContextRebuilder
{
    /// <summary>The messages the policy saw when it chose the action of <paramref name="turn"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The record has no such turn.</exception>
    /// <exception cref="InvalidDataException">A segment points outside the record (a corrupt or hand-edited file).</exception>
    public static IReadOnlyList<ChatMessage> Rebuild(EpisodeRecord record, int turn)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfNegative(turn);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(turn, record.Turns.Count);
        return Resolve(record, record.Turns[turn].Context, turn);
    }

    /// <summary>
    /// The messages named by <paramref name="segments"/>, which may only refer to turns before
    /// <paramref name="beforeTurn"/> (a context never shows the future).
    /// </summary>
    /// <exception cref="InvalidDataException">A segment points outside the record.</exception>
    public static IReadOnlyList<ChatMessage> Resolve(EpisodeRecord record, IReadOnlyList<ContextSegment> segments, int beforeTurn)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(segments);
        var messages = new ChatMessage[segments.Count];
        for (var i = 0; i < segments.Count; i++)
        {
            messages[i] = Resolve(record, segments[i], beforeTurn);
        }

        return messages;
    }

    private static ChatMessage Resolve(EpisodeRecord record, ContextSegment segment, int beforeTurn)
    {
        switch (segment.Source)
        {
            case ContextSource.Prompt:
                Check(segment.Turn == -1 && segment.Index >= 0 && segment.Index < record.Prompt.Count && !segment.ThinkStripped, segment, beforeTurn, record);
                return record.Prompt[segment.Index];
            case ContextSource.Action:
                Check(segment.Turn >= 0 && segment.Turn < beforeTurn && segment.Turn < record.Turns.Count && segment.Index == 0, segment, beforeTurn, record);
                var text = record.Turns[segment.Turn].Action.Text;
                return ChatMessage.Assistant(segment.ThinkStripped ? ThinkBlocks.Strip(text) : text);
            case ContextSource.Observation:
                Check(segment.Turn >= 0 && segment.Turn < beforeTurn && segment.Turn < record.Turns.Count && !segment.ThinkStripped, segment, beforeTurn, record);
                var observation = record.Turns[segment.Turn].Observation;
                Check(segment.Index >= 0 && segment.Index < observation.Count, segment, beforeTurn, record);
                return observation[segment.Index];
            default:
                throw Invalid(segment, beforeTurn, record);
        }
    }

    private static void Check(bool valid, ContextSegment segment, int beforeTurn, EpisodeRecord record)
    {
        if (!valid)
        {
            throw Invalid(segment, beforeTurn, record);
        }
    }

    private static InvalidDataException Invalid(ContextSegment segment, int beforeTurn, EpisodeRecord record) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"episode {record.Episode}: context segment {segment} of turn {beforeTurn} does not name a message of the episode (prompt has {record.Prompt.Count} messages, {record.Turns.Count} turns)"));
}
