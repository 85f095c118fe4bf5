namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// A weighted criterion; Hard criteria are gates (the whole rubric scores 0 unless a hard
/// criterion's score is at least 0.5).
/// </summary>
/// <param name="Name">A name unique within the rubric, reported with the criterion's score.</param>
/// <param name="Rule">How the criterion is scored.</param>
/// <param name="Weight">The weight among soft criteria (>= 0; 0 reports the criterion without scoring it). Ignored for hard criteria.</param>
/// <param name="Hard">Whether the criterion is a gate rather than a weighted part of the score.</param>
public sealed record RubricCriterion(string Name, RubricRule Rule, double Weight = 1, bool Hard = false);

/// <summary>A rubric's score and what it was made of.</summary>
/// <param name="Score">The rubric score in [0,1].</param>
/// <param name="Criteria">Every criterion's score, in the rubric's order, hard criteria included.</param>
/// <param name="GateFailed">Whether a hard criterion scored below 0.5 (and so zeroed the score).</param>
public sealed record RubricResult(double Score, IReadOnlyList<(string Name, double Score)> Criteria, bool GateFailed);
