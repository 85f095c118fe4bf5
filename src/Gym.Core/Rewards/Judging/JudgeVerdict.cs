namespace Gym.Core.Rewards.Judging;

/// <summary>A judge verdict.</summary>
/// <param name="Score">The score in [0,1]; the judge's failure value when <paramref name="Parsed"/> is false.</param>
/// <param name="Parsed">False when the judge's text could not be read.</param>
/// <param name="Failure">Why the text could not be read, when it could not.</param>
public sealed record JudgeVerdict(double Score, bool Parsed, string? Failure = null);
