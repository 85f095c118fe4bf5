using System.Text;

namespace Gym.Core.Rewards;

/// <summary>
/// SQuAD-style exact match: answers are compared after lower-casing, removing punctuation and the
/// articles a/an/the, and collapsing whitespace; any one of several gold answers counts.
/// </summary>
public static class ExactMatch
{
    /// <summary>The SQuAD normalization of <paramref name="text"/>.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(char.IsPunctuation(c) || char.IsSymbol(c) ? ' ' : c);
        }

        var words = builder.ToString()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w is not ("a" or "an" or "the"));
        return string.Join(' ', words);
    }

    /// <summary>Whether <paramref name="answer"/> matches any of <paramref name="gold"/> after normalization.</summary>
    public static bool Matches(string answer, IEnumerable<string> gold)
    {
        ArgumentNullException.ThrowIfNull(gold);
        var normalized = Normalize(answer);
        return gold.Any(g => Normalize(g) == normalized);
    }
}
