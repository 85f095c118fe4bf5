namespace Gym.Core;

/// <summary>"Did you mean" hints for unknown names.</summary>
public static class Suggestions
{
    /// <summary>The candidate nearest to <paramref name="name"/> by edit distance (ties by ordinal order), or null when there is none close enough to help.</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        var nearest = candidates.OrderBy(c => EditDistance(c, name)).ThenBy(c => c, StringComparer.Ordinal).FirstOrDefault();
        return nearest is not null && EditDistance(nearest, name) <= Math.Max(2, name.Length / 3) ? nearest : null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int EditDistance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
