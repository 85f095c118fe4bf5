using System.Globalization;

namespace Gym.Learning.Model;

/// <summary>How <see cref="PolicyModel.Generate(IReadOnlyList{int[]}, SamplingOptions)"/> picks tokens.</summary>
/// <param name="MaxNewTokens">Most tokens to generate per sequence (fewer when the context would pass the model's MaxPositions).</param>
/// <param name="Temperature">Divides the logits before sampling; 0 means greedy (always the most likely token).</param>
/// <param name="TopP">Nucleus sampling: sample among the most likely tokens whose probabilities add up to at least this; 1 keeps all.</param>
/// <param name="StopTokenIds">A sequence finishes when it samples one of these (the stop token is kept in its output).</param>
/// <param name="Seed">Seed of the sampling generator: the same model, prompts and options give the same tokens.</param>
public sealed record SamplingOptions(
    int MaxNewTokens,
    double Temperature = 1.0,
    double TopP = 1.0,
    IReadOnlyList<int>? StopTokenIds = null,
    ulong Seed = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    /// <returns>These options, for chaining.</returns>
    public SamplingOptions Validate()
    {
        if (MaxNewTokens <= 0)
        {
            throw new ArgumentException($"{nameof(MaxNewTokens)} must be positive, got {MaxNewTokens}");
        }

        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
        {
            throw new ArgumentException($"{nameof(Temperature)} must be 0 (greedy) or positive, got {Temperature.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"{nameof(TopP)} must be in (0, 1], got {TopP.ToString(CultureInfo.InvariantCulture)}");
        }

        return this;
    }
}

/// <summary>Why a generated sequence ended.</summary>
public enum FinishReason
{
    /// <summary>It sampled one of the stop tokens (the last token).</summary>
    Stop,

    /// <summary>It reached the token budget, or the model's context limit.</summary>
    Length,
}

/// <summary>One sequence from <see cref="PolicyModel.Generate(IReadOnlyList{int[]}, SamplingOptions)"/>.</summary>
/// <param name="TokenIds">The generated ids, after the prompt; a stop token is included as the last one.</param>
/// <param name="LogProbs">
/// Per generated token, its log-probability under the model at temperature 1 (log-softmax of the raw
/// logits), whatever the sampling temperature and top-p. That is what a trainer's recomputed forward over
/// the same tokens, positions and mask gives, so importance ratios start at 1.
/// </param>
/// <param name="FinishReason">Why it ended.</param>
public sealed record GeneratedSequence(IReadOnlyList<int> TokenIds, IReadOnlyList<float> LogProbs, FinishReason FinishReason);
