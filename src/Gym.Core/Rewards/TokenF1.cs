namespace Gym.Core.Rewards;

/// <summary>
/// SQuAD token F1 (Rajpurkar et al. 2016): the harmonic mean of token precision and recall between a
/// prediction and a gold answer, after the same normalization as <see cref="ExactMatch"/>. It gives
/// partial credit where exact match gives none.
/// </summary>
public static class TokenF1
{
    /// <summary>
    /// The token F1 of <paramref name="prediction"/> against the best of <paramref name="golds"/>.
    /// Tokens are the words of <see cref="ExactMatch.Normalize"/>; overlap counts repeated tokens as a
    /// multiset (as the official SQuAD script does). <c>F1 = 2·P·R / (P + R)</c> with
    /// <c>P = overlap / |prediction|</c> and <c>R = overlap / |gold|</c>.
    /// </summary>
    /// <param name="prediction">The agent's answer.</param>
    /// <param name="golds">Acceptable gold answers.</param>
    /// <returns>
    /// The maximum F1 over the gold answers, in [0, 1]; 0 when there is no gold answer; 1 for a gold
    /// answer that, like the prediction, is empty after normalization (and 0 when only one of them is).
    /// </returns>
    public static double Score(string prediction, IEnumerable<string> golds)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(golds);
        var predicted = Tokens(prediction);
        var best = 0.0;
        foreach (var gold in golds)
        {
            ArgumentNullException.ThrowIfNull(gold, nameof(golds));
            best = Math.Max(best, Pair(predicted, Tokens(gold)));
        }

        return best;
    }

    private static string[] Tokens(string text) =>
        ExactMatch.Normalize(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static double Pair(string[] predicted, string[] gold)
    {
        if (predicted.Length == 0 || gold.Length == 0)
        {
            return predicted.Length == gold.Length ? 1 : 0;
        }

        var remaining = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in gold)
        {
            remaining[token] = remaining.GetValueOrDefault(token) + 1;
        }

        var overlap = 0;
        foreach (var token in predicted)
        {
            if (remaining.TryGetValue(token, out var left) && left > 0)
            {
                remaining[token] = left - 1;
                overlap++;
            }
        }

        if (overlap == 0)
        {
            return 0;
        }

        var precision = (double)overlap / predicted.Length;
        var recall = (double)overlap / gold.Length;
        return 2 * precision * recall / (precision + recall);
    }
}
