namespace Gym.Core.Policies;

/// <summary>The kinds of deliberate mistakes an expert makes at its error rate.</summary>
public enum ExpertMistake
{
    /// <summary>Calls the pending tool with a wrong number in its arguments.</summary>
    WrongArguments,
    /// <summary>Writes a malformed action (an unclosed <c>&lt;answer&gt;</c>).</summary>
    MalformedTags,
    /// <summary>Answers before finishing the stage, with the current best value.</summary>
    PrematureAnswer,
}
