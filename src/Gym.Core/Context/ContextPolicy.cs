namespace Gym.Core.Context;

/// <summary>The built-in context policies, one per <see cref="MemoryMode"/>.</summary>
public sealed class ContextPolicy : IContextPolicy
{
    private ContextPolicy(MemorySpec spec) => Spec = spec;

    /// <summary>The whole history (the default).</summary>
    public static IContextPolicy Full { get; } = new ContextPolicy(MemorySpec.Full);

    /// <summary>MEM1 consolidation: prompt, latest action, latest observation.</summary>
    public static IContextPolicy Mem1 { get; } = new ContextPolicy(MemorySpec.Mem1);

    /// <summary>The whole history with old think blocks removed.</summary>
    public static IContextPolicy StripThink { get; } = new ContextPolicy(MemorySpec.StripThink);

    /// <inheritdoc />
    public MemorySpec Spec { get; }

    /// <summary>The policy for <paramref name="spec"/>; throws <see cref="ArgumentException"/> when the spec is invalid.</summary>
    public static IContextPolicy Create(MemorySpec spec)
    {
        spec.Validate();
        return spec.Mode switch
        {
            MemoryMode.Full => Full,
            MemoryMode.Mem1 => Mem1,
            MemoryMode.StripThink => StripThink,
            _ => new ContextPolicy(spec),
        };
    }

    /// <inheritdoc />
    public ContextView Build(IReadOnlyList<ChatMessage> prompt, IReadOnlyList<ContextTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(turns);
        // Full, window and strip-think show a suffix of the turns; MEM1 is a window of one turn
        // (its consolidation happens in the agent, which must restate its state in each <think>).
        var first = Spec.Mode switch
        {
            MemoryMode.Mem1 => Math.Max(turns.Count - 1, 0),
            MemoryMode.Window => Math.Max(turns.Count - Spec.Window, 0),
            _ => 0,
        };
        var count = prompt.Count;
        for (var t = first; t < turns.Count; t++)
        {
            count += 1 + turns[t].Observation.Count;
        }

        var messages = new ChatMessage[count];
        var segments = new ContextSegment[count];
        var next = 0;
        for (var i = 0; i < prompt.Count; i++)
        {
            messages[next] = prompt[i];
            segments[next++] = ContextSegment.Prompt(i);
        }

        for (var t = first; t < turns.Count; t++)
        {
            var turn = turns[t];
            var strip = Spec.Mode == MemoryMode.StripThink && t < turns.Count - 1 && turn.StrippedActionMessage is not null;
            messages[next] = strip ? turn.StrippedActionMessage! : turn.ActionMessage;
            segments[next++] = ContextSegment.Action(t, strip);
            for (var i = 0; i < turn.Observation.Count; i++)
            {
                messages[next] = turn.Observation[i];
                segments[next++] = ContextSegment.Observation(t, i);
            }
        }

        return new ContextView(messages, segments);
    }

    /// <inheritdoc />
    public override string ToString() => Spec.ToString();
}
