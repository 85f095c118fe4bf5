using System.Text.Json.Serialization;

namespace Gym.Core.Context;

/// <summary>Where a message of the agent's context came from.</summary>
public enum ContextSource
{
    /// <summary>A message of the reset observation (system prompt, task).</summary>
    Prompt,

    /// <summary>An action of the agent, shown back to it as an assistant message.</summary>
    Action,

    /// <summary>A message of a step's observation (tool results, feedback).</summary>
    Observation,
}

/// <summary>
/// The origin of one message the policy saw: enough, with the episode's prompt and turns, to
/// rebuild that message exactly (see <c>Gym.Core.Trajectories.ContextRebuilder</c>), and so the attention mask
/// and positions a learner must use for the tokens generated from it.
/// </summary>
/// <param name="Turn">The turn the message comes from; -1 for the reset prompt.</param>
/// <param name="Source">Prompt, action or observation.</param>
/// <param name="Index">The message's index within its source: in the prompt, in the turn's observation; 0 for an action.</param>
/// <param name="ThinkStripped">Whether <c>&lt;think&gt;</c> blocks were removed from the message (see <see cref="ThinkBlocks.Strip"/>).</param>
public readonly record struct ContextSegment(
    int Turn,
    ContextSource Source,
    int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool ThinkStripped = false)
{
    /// <summary>The <paramref name="index"/>-th message of the reset prompt.</summary>
    public static ContextSegment Prompt(int index) => new(-1, ContextSource.Prompt, index);

    /// <summary>The action of <paramref name="turn"/>, optionally without its think blocks.</summary>
    public static ContextSegment Action(int turn, bool thinkStripped = false) => new(turn, ContextSource.Action, 0, thinkStripped);

    /// <summary>The <paramref name="index"/>-th observation message of <paramref name="turn"/>.</summary>
    public static ContextSegment Observation(int turn, int index) => new(turn, ContextSource.Observation, index);
}

/// <summary>What the agent sees on one turn, and where each message came from.</summary>
/// <param name="Messages">The messages, in the order the policy reads them.</param>
/// <param name="Segments">The origin of each message, aligned with <paramref name="Messages"/>.</param>
public sealed record ContextView(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<ContextSegment> Segments)
{
    /// <summary>A view with no messages.</summary>
    public static ContextView Empty { get; } = new([], []);
}

/// <summary>
/// One played turn as a context policy reads it: the action and the observation that answered it.
/// The action's assistant message (and its think-stripped form) are made once here, not on every
/// turn that shows them again.
/// </summary>
public sealed class ContextTurn
{
    /// <summary>Prepares a played turn for context policies.</summary>
    public ContextTurn(AgentAction action, IReadOnlyList<ChatMessage> observation)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(observation);
        Action = action;
        Observation = observation;
        ActionMessage = ChatMessage.Assistant(action.Text);
        var stripped = ThinkBlocks.Strip(action.Text);
        StrippedActionMessage = ReferenceEquals(stripped, action.Text) ? null : ChatMessage.Assistant(stripped);
    }

    /// <summary>The action as the policy produced it.</summary>
    public AgentAction Action { get; }

    /// <summary>The observation delta of the step.</summary>
    public IReadOnlyList<ChatMessage> Observation { get; }

    /// <summary>The action as an assistant message.</summary>
    public ChatMessage ActionMessage { get; }

    /// <summary>The action without its <c>&lt;think&gt;</c> blocks, or null when it had none.</summary>
    public ChatMessage? StrippedActionMessage { get; }
}
