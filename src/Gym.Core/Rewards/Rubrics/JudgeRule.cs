using Gym.Core.Rewards.Judging;

namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// Scores the text with an LLM judge: pointwise on its own, or pairwise against
/// <see cref="RubricInput.Reference"/> (both orders, averaged). An unreadable judge reply scores the
/// judge's failure value; a failed request throws <see cref="JudgeException"/>.
/// </summary>
/// <param name="Judge">The judge.</param>
/// <param name="Protocol">Pointwise or pairwise.</param>
/// <param name="Criterion">What the judge checks, in plain words.</param>
public sealed record JudgeRule(IJudge Judge, JudgeProtocol Protocol, string Criterion) : RubricRule
{
    /// <summary>The judge.</summary>
    public IJudge Judge { get; } = Judge ?? throw new ArgumentNullException(nameof(Judge));

    /// <summary>Pointwise or pairwise.</summary>
    public JudgeProtocol Protocol { get; } = Enum.IsDefined(Protocol)
        ? Protocol
        : throw new ArgumentOutOfRangeException(nameof(Protocol), Protocol, "unknown judge protocol");

    /// <summary>What the judge checks.</summary>
    public string Criterion { get; } = string.IsNullOrWhiteSpace(Criterion)
        ? throw new ArgumentException("a judge rule needs a criterion", nameof(Criterion))
        : Criterion;

    /// <inheritdoc/>
    public override async Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken) =>
        (await JudgeAsync(input, cancellationToken).ConfigureAwait(false)).Score;

    /// <summary>The judge's full verdict on <paramref name="input"/>, including whether its reply could be read.</summary>
    /// <exception cref="ArgumentException">The protocol is pairwise and the input has no reference.</exception>
    /// <exception cref="JudgeException">A judge request failed.</exception>
    public Task<JudgeVerdict> JudgeAsync(RubricInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Protocol == JudgeProtocol.Pointwise)
        {
            return Judge.PointwiseAsync(Criterion, input.Task, input.Text, cancellationToken);
        }

        return input.Reference is { } reference
            ? Judge.PairwiseAsync(Criterion, input.Task, input.Text, reference, cancellationToken)
            : throw new ArgumentException($"judge criterion '{Criterion}' is pairwise but the rubric input has no reference answer", nameof(input));
    }
}
