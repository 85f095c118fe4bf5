using System.Globalization;
using System.Text;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Index;

namespace Gym.SearchBench;

/// <summary>
/// How often a hop query's target document is among its hits: the quality side of the benchmark, since a
/// fast index that misses the document a hop needs would break the agent's plan.
/// </summary>
/// <param name="AtOne">Share of hop queries whose target is the first hit.</param>
/// <param name="AtK">Share of hop queries whose target is among the top k hits.</param>
/// <param name="K">The k of <paramref name="AtK"/>.</param>
/// <param name="ByKind">Recall@k per question kind, with the number of hop queries of that kind.</param>
/// <param name="Misses">A few queries whose target was not the first hit, with its rank (or none) and the titles ranked above it.</param>
internal sealed record HopRecall(double AtOne, double AtK, int K, IReadOnlyList<(HopKind Kind, int Queries, double AtK)> ByKind, IReadOnlyList<string> Misses)
{
    public static HopRecall Judge(IReadOnlyList<IReadOnlyList<SearchHit>> results, IReadOnlyList<HopTarget> targets, IReadOnlyList<string> queries, int k)
    {
        var atOne = 0;
        var atK = 0;
        var misses = new List<string>();
        var kinds = new Dictionary<HopKind, (int Queries, int Found)>();
        for (var i = 0; i < results.Count; i++)
        {
            var target = targets[i];
            var rank = results[i].FirstOrDefault(h => string.Equals(h.Title, target.Title, StringComparison.Ordinal))?.Rank;
            atOne += rank == 1 ? 1 : 0;
            atK += rank is not null ? 1 : 0;
            var (count, found) = kinds.GetValueOrDefault(target.Kind);
            kinds[target.Kind] = (count + 1, found + (rank is not null ? 1 : 0));
            // Misses at rank 1 too: at k = 5 there may be none, and what outranks the target is what to look at.
            if (rank != 1 && misses.Count < 8)
            {
                var above = results[i].TakeWhile(h => rank is null || h.Rank < rank).Select(h => $"'{h.Title}'");
                misses.Add($"'{queries[i]}' wants '{target.Title}' ({target.Kind}), rank {rank?.ToString(CultureInfo.InvariantCulture) ?? "none"}; above it: {string.Join(", ", above)}");
            }
        }

        var byKind = kinds.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Queries, (double)p.Value.Found / p.Value.Queries)).ToList();
        return new HopRecall((double)atOne / results.Count, (double)atK / results.Count, k, byKind, misses);
    }

    /// <summary>One line for the progress log, plus the misses if there are any.</summary>
    public string Describe()
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"hop recall@1 {AtOne * 100:N1}%, @{K} {AtK * 100:N1}%; @{K} by kind:");
        foreach (var (kind, queries, share) in ByKind)
        {
            line.Append(CultureInfo.InvariantCulture, $" {kind} {share * 100:N1}% of {queries:N0};");
        }

        foreach (var miss in Misses)
        {
            line.AppendLine().Append("  not first: ").Append(miss);
        }

        return line.ToString();
    }
}
