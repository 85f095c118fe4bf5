using System.Text.RegularExpressions;

namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// Scores 1 when the text matches <see cref="Pattern"/>, else 0. The pattern is parsed once, with a
/// 1 s match timeout: a match that runs past it (catastrophic backtracking on an adversarial answer)
/// scores 0 rather than stalling the run.
/// </summary>
/// <param name="Pattern">A .NET regular expression.</param>
/// <param name="IgnoreCase">Match case-insensitively (invariant culture).</param>
public sealed record RegexRule(string Pattern, bool IgnoreCase = false) : RubricRule
{
    private readonly Regex _regex = Build(Pattern, IgnoreCase);

    /// <summary>The regular expression.</summary>
    public string Pattern { get; } = Pattern;

    /// <summary>Whether matching ignores case.</summary>
    public bool IgnoreCase { get; } = IgnoreCase;

    /// <summary>The limit on one match.</summary>
    public static TimeSpan MatchTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    public override Task<double> ScoreAsync(RubricInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return Task.FromResult(_regex.IsMatch(input.Text) ? 1.0 : 0.0);
        }
        catch (RegexMatchTimeoutException)
        {
            return Task.FromResult(0.0);
        }
    }

    /// <inheritdoc/>
    public bool Equals(RegexRule? other) =>
        other is not null && string.Equals(Pattern, other.Pattern, StringComparison.Ordinal) && IgnoreCase == other.IgnoreCase;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Pattern), IgnoreCase);

    private static Regex Build(string pattern, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        try
        {
            return new Regex(pattern, options, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"invalid regular expression '{pattern}': {ex.Message}", nameof(pattern), ex);
        }
    }
}
