using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>Picks next tokens from logits: greedy, or temperature and top-p sampling.</summary>
internal static class TokenSampler
{
    /// <summary>
    /// Samples one token per row of <paramref name="logits"/> [B, V] and returns the tokens [B] (int64) and
    /// their temperature-1 log-probabilities [B] (float32).
    /// </summary>
    public static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, double temperature, double topP, Generator? generator) =>
        Sample(logits, temperature, topP, generator, rowStreams: null);

    /// <summary>
    /// As <see cref="Sample(Tensor, double, double, Generator?)"/>, but row i draws from its own stream
    /// <paramref name="rowStreams"/>[i] when given (advanced in place), so a row's tokens depend on its own
    /// seed only, not on which other rows share the batch or in what order.
    /// </summary>
    /// <remarks>
    /// Each row takes one uniform draw u from its SplitMix64 stream and picks, by inverse CDF, the first
    /// token whose cumulative probability reaches u times the row's total: one batched operation for the
    /// whole batch. (One <c>multinomial</c> call per row with its own torch generator did the same with B
    /// small operations per step, most of a tiny model's generation time.)
    /// </remarks>
    public static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, double temperature, double topP, Generator? generator, ulong[]? rowStreams)
    {
        using var scope = NewDisposeScope();
        logits = logits.to_type(ScalarType.Float32);
        var logProbs = nn.functional.log_softmax(logits, -1);
        Tensor tokens;
        if (temperature == 0)
        {
            tokens = logits.argmax(-1);
        }
        else
        {
            var probabilities = nn.functional.softmax(logits / temperature, -1);
            if (topP < 1)
            {
                probabilities = KeepNucleus(probabilities, topP);
            }

            if (rowStreams is null)
            {
                tokens = multinomial(probabilities, 1, replacement: false, generator).squeeze(-1);
            }
            else
            {
                tokens = InverseCdf(probabilities, rowStreams);
            }
        }

        var chosen = logProbs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
    }

    /// <summary>Row i's token for the uniform draw of stream i: the first index whose cumulative probability reaches u·total.</summary>
    private static Tensor InverseCdf(Tensor probabilities, ulong[] rowStreams)
    {
        var rows = (int)probabilities.shape[0];
        if (rowStreams.Length != rows)
        {
            throw new ArgumentException($"{rowStreams.Length} row streams for {rows} rows", nameof(rowStreams));
        }

        var draws = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            // The top 24 bits, centred in their interval: u lies strictly inside (0, 1) in float32.
            draws[i] = (float)(((NextRandom(ref rowStreams[i]) >> 40) + 0.5) / (1UL << 24));
        }

        var cdf = probabilities.cumsum(-1);
        var threshold = tensor(draws, [rows, 1]).to(probabilities.device) * cdf.narrow(-1, cdf.shape[^1] - 1, 1);

        // Indices below the threshold are passed over; rounding can at worst push past the last token.
        var picked = cdf.lt(threshold).sum(-1);
        return picked.clamp_max(probabilities.shape[^1] - 1);
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): advances <paramref name="state"/> and returns the next 64 random bits.</summary>
    internal static ulong NextRandom(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Zeroes every probability outside the smallest set of most likely tokens whose mass reaches
    /// <paramref name="topP"/>; the most likely token always stays. Rows are left unnormalized
    /// (multinomial does not need it).
    /// </summary>
    public static Tensor KeepNucleus(Tensor probabilities, double topP)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = probabilities.sort(-1, descending: true);

        // A token is dropped when the tokens ranked above it already reach topP.
        var before = sorted.cumsum(-1) - sorted;
        var kept = sorted.masked_fill(before.ge(topP), 0);
        return zeros_like(probabilities).scatter(-1, order, kept).MoveToOuterDisposeScope();
    }
}
