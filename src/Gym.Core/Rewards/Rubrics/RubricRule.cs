namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// How one rubric criterion scores a text. Rules are immutable and validated when constructed, so
/// a malformed rubric fails when it is built rather than in the middle of a run.
/// </summary>
public abstract record RubricRule
{
    /// <summary>Scores <paramref name="input"/>; the result lies in [0,1].</summary>
    public abstract Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken);
}
