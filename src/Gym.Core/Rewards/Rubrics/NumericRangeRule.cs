namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// Scores 1 when the text states a single number (read by <see cref="NumericMatch.Parse"/>) within
/// [<see cref="Min"/>, <see cref="Max"/>] inclusive, else 0; a text stating no number, or several, scores 0.
/// </summary>
/// <param name="Min">The inclusive lower bound, or null for none.</param>
/// <param name="Max">The inclusive upper bound, or null for none.</param>
public sealed record NumericRangeRule(double? Min, double? Max) : RubricRule
{
    /// <summary>The inclusive lower bound, or null for none.</summary>
    public double? Min { get; } = Min is { } min && double.IsNaN(min)
        ? throw new ArgumentException("a numeric range's minimum is NaN", nameof(Min))
        : Min;

    /// <summary>The inclusive upper bound, or null for none.</summary>
    public double? Max { get; } = Max is { } max && (double.IsNaN(max) || (Min is { } lower && max < lower))
        ? throw new ArgumentException($"a numeric range's maximum ({max}) must be a number >= its minimum ({Min})", nameof(Max))
        : Max;

    /// <inheritdoc/>
    public override Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var value = NumericMatch.Parse(input.Text);
        var inRange = value is { } v && (Min is not { } min || v >= min) && (Max is not { } max || v <= max);
        return Task.FromResult(inRange ? 1.0 : 0.0);
    }
}
