namespace Gym.Environments.SearchQa.Rewards;

/// <summary>
/// Retrieval rank reward: the DCG discount of the first relevant document's rank, so a hit at the top
/// is worth 1 and later hits are worth less.
/// </summary>
public static class RankReward
{
    /// <summary>
    /// <c>1 / log2(1 + rank)</c> for a 1-based <paramref name="rank"/> ≥ 1 (the discounted-cumulative-gain
    /// weight, Järvelin and Kekäläinen 2002); 0 for <paramref name="rank"/> ≤ 0, meaning no hit.
    /// </summary>
    /// <param name="rank">The 1-based rank of the first hit, or 0 (or less) when nothing relevant was retrieved.</param>
    public static double ForRank(int rank) => rank <= 0 ? 0 : 1.0 / Math.Log2(1.0 + rank);
}
