namespace Gym.Core.Rewards.Rubrics;

/// <summary>Scores 1 when the text contains <see cref="Text"/> (ordinal comparison), else 0.</summary>
/// <param name="Text">The text to look for; must not be empty.</param>
/// <param name="IgnoreCase">Compare ignoring case (ordinal, culture-independent).</param>
public sealed record ContainsRule(string Text, bool IgnoreCase = true) : RubricRule
{
    /// <summary>The text to look for.</summary>
    public string Text { get; } = string.IsNullOrEmpty(Text)
        ? throw new ArgumentException("a contains rule needs a non-empty text to look for", nameof(Text))
        : Text;

    /// <summary>Whether the comparison ignores case.</summary>
    public bool IgnoreCase { get; } = IgnoreCase;

    /// <inheritdoc/>
    public override Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var comparison = IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return Task.FromResult(input.Text.Contains(Text, comparison) ? 1.0 : 0.0);
    }
}
