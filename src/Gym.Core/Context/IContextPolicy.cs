namespace Gym.Core.Context;

/// <summary>
/// Decides what the agent sees next turn from the episode so far. Implementations are pure and
/// stateless (one instance serves every episode of a run, from any thread): the same prompt and
/// turns always give the same view, which keeps rollouts byte-identical per seed.
/// </summary>
public interface IContextPolicy
{
    /// <summary>The mode this policy implements.</summary>
    MemorySpec Spec { get; }

    /// <summary>
    /// The context for the turn after <paramref name="turns"/>: messages drawn only from
    /// <paramref name="prompt"/> and <paramref name="turns"/>, each with the segment naming its origin.
    /// </summary>
    /// <param name="prompt">The reset observation.</param>
    /// <param name="turns">Every turn played so far, in order.</param>
    ContextView Build(IReadOnlyList<ChatMessage> prompt, IReadOnlyList<ContextTurn> turns);
}
