namespace Gym.Core.Rewards.Rubrics;

/// <summary>The text a rubric judges.</summary>
/// <param name="Task">The task or question the text answers; judges see it.</param>
/// <param name="Text">The text to score, e.g. the agent's final answer.</param>
/// <param name="Reference">A reference answer, for pairwise judge criteria.</param>
public sealed record RubricInput(string Task, string Text, string? Reference = null);
