using System.Collections.Concurrent;
using System.Globalization;
using Gym.Core.Seeding;

namespace Gym.Core.Datasets;

/// <summary>How the episodes of a run walk a question file.</summary>
public enum DatasetOrder
{
    /// <summary>Each episode draws a question from its seed, with replacement (the default).</summary>
    Sample,

    /// <summary>Episode <c>i</c> plays question <c>i mod N</c>, in file order.</summary>
    Sequential,

    /// <summary>Each pass over the file plays every question once, in a permutation seeded by the run seed and the pass.</summary>
    Shuffled,
}

/// <summary>
/// Which question an episode plays. <see cref="DatasetOrder.Sample"/> needs only the episode seed. The other
/// orders need the episode's index in the run, which is recovered from the episode seed itself: the rollout
/// runtime derives episode <c>k</c>'s seed as <see cref="SeededRandom.EpisodeSeed"/>(run seed, k) and passes the
/// run seed to the environments and the expert it makes as the reserved parameter
/// <c>gym.run_seed</c> (<c>EnvironmentParameters.RunSeedKey</c>), so the environment (and the expert, which plans from the same
/// seed) finds <c>k</c> by walking that derivation. GRPO group members share a seed, so they share a question.
/// Without a run seed (a probe, <c>gym play</c>) an ordered dataset falls back to drawing by seed.
/// </summary>
/// <param name="Order">The order.</param>
/// <param name="RunSeed">The run seed, when the runtime gave it.</param>
public sealed record DatasetPosition(DatasetOrder Order, long? RunSeed)
{
    /// <summary>The most episodes an ordered run may play (the seed-to-index walk stops there).</summary>
    public const int MaxEpisodes = 10_000_000;

    private static readonly ConcurrentDictionary<long, EpisodeSeeds> Walks = new();
    private static readonly ConcurrentDictionary<(long RunSeed, long Pass, int Count), int[]> Permutations = new();

    /// <summary>Sampling by seed: what a dataset task does without an <c>order</c>.</summary>
    public static DatasetPosition Sample { get; } = new(DatasetOrder.Sample, null);

    /// <summary>The order named <paramref name="text"/>, or null.</summary>
    public static DatasetOrder? Parse(string text) => text switch
    {
        "sample" => DatasetOrder.Sample,
        "sequential" => DatasetOrder.Sequential,
        "shuffled" => DatasetOrder.Shuffled,
        _ => null,
    };

    /// <summary>The 0-based question of <paramref name="count"/> that the episode with <paramref name="seed"/> plays; <paramref name="stream"/> names the sampling stream.</summary>
    public int Index(long seed, int count, string stream)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (Order == DatasetOrder.Sample || RunSeed is not { } runSeed)
        {
            return SeededRandom.ForStream(seed, stream).Next(count);
        }

        var episode = Walks.GetOrAdd(runSeed, r => new EpisodeSeeds(r)).IndexOf(seed)
            ?? throw new InvalidOperationException($"seed {seed} is none of the first {MaxEpisodes} episode seeds of run seed {runSeed}; order '{this}' plays only episodes of a run");
        var position = (int)(episode % count);
        if (Order == DatasetOrder.Sequential)
        {
            return position;
        }

        return Permutations.GetOrAdd((runSeed, episode / count, count), Shuffle)[position];
    }

    // One pass's order, shared by its episodes: drawing it per episode would make a pass over N questions cost N².
    private static int[] Shuffle((long RunSeed, long Pass, int Count) key)
    {
        var permutation = Enumerable.Range(0, key.Count).ToArray();
        SeededRandom.ForStream(key.RunSeed, "dataset/shuffle", key.Pass).Shuffle(permutation);
        return permutation;
    }

    /// <summary>The order's name as scenarios and parameters write it.</summary>
    public override string ToString() => Order.ToString().ToLower(CultureInfo.InvariantCulture);

    /// <summary>The episode seeds of one run seed, computed as far as asked and remembered.</summary>
    private sealed class EpisodeSeeds(long runSeed)
    {
        private readonly Dictionary<long, long> _indexOf = [];
        private long _next;

        public long? IndexOf(long seed)
        {
            lock (_indexOf)
            {
                if (_indexOf.TryGetValue(seed, out var found))
                {
                    return found;
                }

                while (_next < MaxEpisodes)
                {
                    var derived = SeededRandom.EpisodeSeed(runSeed, _next);
                    _indexOf.TryAdd(derived, _next);
                    _next++;
                    if (derived == seed)
                    {
                        return _next - 1;
                    }
                }

                return null;
            }
        }
    }
}

/// <summary>An environment that plays questions from a pool of known size: <c>gym run --episodes all</c> plays each once.</summary>
public interface IQuestionPool
{
    /// <summary>How many questions the pool holds.</summary>
    int QuestionCount { get; }

    /// <summary>How episodes walk the pool; only <see cref="DatasetOrder.Sequential"/> and <see cref="DatasetOrder.Shuffled"/> visit each question once per pass.</summary>
    DatasetOrder Order { get; }
}
