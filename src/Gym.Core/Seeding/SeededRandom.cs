namespace Gym.Core.Seeding;

/// <summary>
/// A small, fast, fully specified pseudo-random generator (xoshiro256** seeded through SplitMix64).
/// We own the algorithm instead of using <see cref="System.Random"/> so trajectories stay
/// byte-identical across .NET versions and platforms. Not thread-safe: one per episode or policy turn.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator whose whole sequence is determined by <paramref name="seed"/>.</summary>
    public SeededRandom(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>
    /// Derives an independent child seed from a parent seed and a stream name, so that separate
    /// concerns (task generation, distractors, a policy's mistakes) never share a random stream.
    /// </summary>
    public static long Derive(long seed, string stream, long index = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // FNV-1a over the stream name keeps the mapping stable and independent of string.GetHashCode randomization.
        var hash = 14695981039346656037UL;
        foreach (var c in stream)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        var x = unchecked((ulong)seed) ^ hash;
        var mixed = SplitMix64(ref x);
        x = mixed ^ unchecked((ulong)index * 0x9E3779B97F4A7C15UL);
        return unchecked((long)SplitMix64(ref x));
    }

    /// <summary>The seed of episode (or GRPO group) <paramref name="episode"/> of a run seeded <paramref name="runSeed"/>: how the rollout runtime derives them.</summary>
    public static long EpisodeSeed(long runSeed, long episode) => Derive(runSeed, "episode", episode);

    /// <summary>A generator for one named stream of <paramref name="seed"/> (see <see cref="Derive"/>).</summary>
    public static SeededRandom ForStream(long seed, string stream, long index = 0) => new(Derive(seed, stream, index));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int minInclusive, int maxExclusive) => (int)NextInt64(minInclusive, maxExclusive);

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => Next(0, maxExclusive);

    /// <summary>A uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public long NextInt64(long minInclusive, long maxExclusive)
    {
        if (maxExclusive <= minInclusive)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"empty range [{minInclusive}, {maxExclusive})");
        }

        var range = unchecked((ulong)(maxExclusive - minInclusive));
        // Lemire-style rejection: draw until the value falls in the largest multiple of range.
        var limit = ulong.MaxValue - (ulong.MaxValue % range);
        ulong draw;
        do
        {
            draw = NextUInt64();
        }
        while (draw >= limit);

        return unchecked(minInclusive + (long)(draw % range));
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => probability > 0 && (probability >= 1 || NextDouble() < probability);

    /// <summary>A uniformly chosen element.</summary>
    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items.Count == 0 ? throw new ArgumentException("cannot pick from an empty list", nameof(items)) : items[Next(items.Count)];
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A version-4-shaped GUID from the stream, for reproducible ids.</summary>
    public Guid NextGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, NextUInt64());
        BitConverter.TryWriteBytes(bytes[8..], NextUInt64());
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        x = unchecked(x + 0x9E3779B97F4A7C15UL);
        var z = x;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
