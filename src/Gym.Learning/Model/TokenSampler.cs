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
        Sample(logits, temperature, topP, generator, rowGenerators: null);

    /// <summary>
    /// As <see cref="Sample(Tensor, double, double, Generator?)"/>, but row i draws from
    /// <paramref name="rowGenerators"/>[i] when given, so a row's tokens depend on its own seed only, not on
    /// which other rows share the batch or in what order.
    /// </summary>
    public static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, double temperature, double topP, Generator? generator, IReadOnlyList<Generator>? rowGenerators)
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

            if (rowGenerators is null)
            {
                tokens = multinomial(probabilities, 1, replacement: false, generator).squeeze(-1);
            }
            else
            {
                // One draw per row from that row's generator: more small operations, but a row's stream
                // of draws no longer depends on its neighbours.
                var rows = new Tensor[rowGenerators.Count];
                for (var i = 0; i < rows.Length; i++)
                {
                    rows[i] = multinomial(probabilities.narrow(0, i, 1), 1, replacement: false, rowGenerators[i]);
                }

                tokens = cat(rows, 0).squeeze(-1);
            }
        }

        var chosen = logProbs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
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
