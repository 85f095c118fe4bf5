namespace Gym.Core;

/// <summary>
/// What the agent did in one turn: the generated text, and optionally the exact token ids and
/// their log-probabilities. Environments read only <see cref="Text"/>; ids and log-probs travel
/// through the trajectory untouched so a learner trains on what was sampled, never a re-tokenization.
/// </summary>
/// <param name="Text">The generated text.</param>
/// <param name="TokenIds">The sampled token ids, when the policy exposes them.</param>
/// <param name="LogProbs">The log-probability of each sampled token, aligned with <paramref name="TokenIds"/>.</param>
public sealed record AgentAction(string Text, IReadOnlyList<int>? TokenIds = null, IReadOnlyList<float>? LogProbs = null)
{
    /// <summary>Wraps plain text as an action.</summary>
    public static implicit operator AgentAction(string text) => new(text);

    /// <summary>Wraps plain text as an action.</summary>
    public static AgentAction FromText(string text) => new(text);
}
