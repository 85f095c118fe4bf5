namespace Gym.Core.Policies;

/// <summary>The kinds of deliberate mistakes an expert makes at its error rate.</summary>
public enum ExpertMistake
{
    /// <summary>Calls the pending tool with one of the plan's bad alternatives (a vague query), else with a wrong number in its arguments; at the answer step, answers wrongly when the plan names wrong answers.</summary>
    WrongArguments,
    /// <summary>Writes a malformed action (an unclosed <c>&lt;answer&gt;</c>).</summary>
    MalformedTags,
    /// <summary>Answers before finishing the stage (a skipped hop), with a plausible wrong answer when the plan names some, else the current best value; at the answer step, answers wrongly when the plan names wrong answers.</summary>
    PrematureAnswer,
}
