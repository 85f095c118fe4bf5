using System.Globalization;
using System.Text.RegularExpressions;

namespace Gym.Core.Rewards;

/// <summary>
/// Numeric answer matching: the answer must read as one number (thousands separators, a trailing
/// period and surrounding text like "= " are tolerated) within a relative tolerance of 1e-6 or an
/// absolute tolerance of 1e-9 of the gold value.
/// </summary>
public static partial class NumericMatch
{
    /// <summary>Default relative tolerance.</summary>
    public const double RelativeTolerance = 1e-6;

    /// <summary>Default absolute tolerance.</summary>
    public const double AbsoluteTolerance = 1e-9;

    [GeneratedRegex(@"^[^\d\-+.]*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\.?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    /// <summary>Parses the single number an answer states, or null when it states none or several.</summary>
    public static double? Parse(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var match = NumberPattern().Match(answer.Trim());
        if (!match.Success)
        {
            return null;
        }

        var text = match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
    }

    /// <summary>Whether <paramref name="answer"/> states <paramref name="gold"/> within tolerance.</summary>
    public static bool Matches(string answer, double gold, double relative = RelativeTolerance, double absolute = AbsoluteTolerance)
    {
        var value = Parse(answer);
        return value is { } v && Math.Abs(v - gold) <= Math.Max(absolute, relative * Math.Abs(gold));
    }
}
