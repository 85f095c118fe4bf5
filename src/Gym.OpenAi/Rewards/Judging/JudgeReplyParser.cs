using System.Globalization;
using System.Text.RegularExpressions;

namespace Gym.Core.Rewards.Judging;

/// <summary>Reads a judge's reply deterministically: the same text always yields the same verdict.</summary>
internal static partial class JudgeReplyParser
{
    private const string Number = @"[-+]?\d+(?:\.\d+)?";

    // "Score: 7", "**Score:** 7.5", "Final score = 7/10"; the tail catches other scales ("7/5") and ranges ("7-8").
    [GeneratedRegex(@"\bscore\**\s*[:=]\s*\**\s*(?<n>" + Number + @")(?:\s*/\s*(?<den>" + Number + @")|\s*(?<range>-|–|—|to\b)\s*\d)?",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ScorePattern();

    // Other ways judges state a score; after the last "Score:" they make the reply ambiguous unless they agree with it.
    [GeneratedRegex(@"\brating\**\s*[:=]\s*\**\s*(?<n>" + Number + @")|\[\[\s*(?<n>" + Number + @")\s*\]\]|(?<![\d.])(?<n>" + Number + @")\s*/\s*10\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AlternateScorePattern();

    [GeneratedRegex(@"\[\[\s*(?<v>[ABC])\s*\]\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex VerdictPattern();

    [GeneratedRegex(@"^[\s.!*_`'"")]*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex TrailingDecoration();

    /// <summary>The LAST "Score: N" with N in 0..10, as N/10; or the reason there is none.</summary>
    public static (double? Score, string? Failure) ParseScore(string reply)
    {
        try
        {
            var matches = ScorePattern().Matches(reply);
            if (matches.Count == 0)
            {
                return (null, "no 'Score: N' in the judge's reply");
            }

            var last = matches[^1];
            var n = double.Parse(last.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (last.Groups["range"].Success)
            {
                return (null, $"the judge gave a range, not a score: '{last.Value}'");
            }

            if (last.Groups["den"].Success && double.Parse(last.Groups["den"].Value, NumberStyles.Float, CultureInfo.InvariantCulture) != 10)
            {
                return (null, $"the judge scored on another scale: '{last.Value}'");
            }

            if (n is < 0 or > 10)
            {
                return (null, $"score {last.Groups["n"].Value} is outside 0..10");
            }

            foreach (Match other in AlternateScorePattern().Matches(reply, last.Index + last.Length))
            {
                var value = double.Parse(other.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (value != n)
                {
                    return (null, $"conflicting scores: '{last.Value}' then '{other.Value}'");
                }
            }

            return (n / 10, null);
        }
        catch (RegexMatchTimeoutException)
        {
            return (null, "the judge's reply took too long to read");
        }
    }

    /// <summary>The verdict the reply ends with ('A', 'B' or 'C'); or the reason there is none.</summary>
    public static (char? Verdict, string? Failure) ParseVerdict(string reply)
    {
        try
        {
            var matches = VerdictPattern().Matches(reply);
            if (matches.Count == 0)
            {
                return (null, "no [[A]], [[B]] or [[C]] verdict in the judge's reply");
            }

            var last = matches[^1];
            if (!TrailingDecoration().IsMatch(reply.AsSpan(last.Index + last.Length)))
            {
                return (null, $"the judge's reply does not end with its verdict {last.Value}");
            }

            var verdict = char.ToUpperInvariant(last.Groups["v"].Value[0]);
            var lineStart = reply.LastIndexOf('\n', last.Index) + 1;
            for (var i = matches.Count - 2; i >= 0 && matches[i].Index >= lineStart; i--)
            {
                if (char.ToUpperInvariant(matches[i].Groups["v"].Value[0]) != verdict)
                {
                    return (null, $"conflicting verdicts on the judge's last line: {matches[i].Value} and {last.Value}");
                }
            }

            return (verdict, null);
        }
        catch (RegexMatchTimeoutException)
        {
            return (null, "the judge's reply took too long to read");
        }
    }
}
