using System.Globalization;

namespace Gym.Learning.Model;

/// <summary>
/// The shape of a <see cref="PolicyModel"/>: a decoder-only transformer with the Llama/Qwen2 layout
/// (RMSNorm, rotary positions, SwiGLU, grouped-query attention). Field meanings follow the Hugging Face
/// <c>config.json</c> keys named in each property's doc, so a Qwen2 or Llama checkpoint maps one to one.
/// </summary>
public sealed partial record PolicyConfig
{
    /// <summary>Token ids run from 0 to <c>VocabSize - 1</c> (<c>vocab_size</c>).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream (<c>hidden_size</c>).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of decoder layers (<c>num_hidden_layers</c>).</summary>
    public required int Layers { get; init; }

    /// <summary>Query heads per layer (<c>num_attention_heads</c>); the head size is <see cref="HeadDim"/>.</summary>
    public required int Heads { get; init; }

    /// <summary>Key/value heads per layer (<c>num_key_value_heads</c>); fewer than <see cref="Heads"/> is grouped-query attention.</summary>
    public required int KvHeads { get; init; }

    /// <summary>Width of the SwiGLU MLP's gate and up projections (<c>intermediate_size</c>).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Base of the rotary position frequencies (<c>rope_theta</c>).</summary>
    public double RopeTheta { get; init; } = 10_000;

    /// <summary>Epsilon added to the mean square in RMSNorm (<c>rms_norm_eps</c>).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>Longest context (prompt plus generated tokens) a sequence may have (<c>max_position_embeddings</c>).</summary>
    public int MaxPositions { get; init; } = 2048;

    /// <summary>Whether the output projection reuses the token embedding matrix (<c>tie_word_embeddings</c>).</summary>
    public bool TieEmbeddings { get; init; } = true;

    /// <summary>Whether the q, k and v projections have a bias: true for Qwen2, Llama's <c>attention_bias</c> otherwise.</summary>
    public bool AttentionBias { get; init; } = true;

    /// <summary>Whether the attention output projection has a bias: false for Qwen2; Llama's <c>attention_bias</c> sets both.</summary>
    public bool AttentionOutputBias { get; init; }

    /// <summary>Whether the model has a scalar value head per position (for PPO); not part of Hugging Face checkpoints.</summary>
    public bool ValueHead { get; init; }

    /// <summary>Size of one attention head: <see cref="HiddenSize"/> / <see cref="Heads"/>.</summary>
    public int HeadDim => Heads > 0 ? HiddenSize / Heads : 0;

    /// <summary>
    /// About 1M parameters over the 264-token <see cref="Tokenization.ByteTokenizer"/> vocabulary:
    /// trains on a CPU in seconds, for tests and smoke runs.
    /// </summary>
    public static PolicyConfig Tiny { get; } = new()
    {
        VocabSize = 264,
        HiddenSize = 128,
        Layers = 4,
        Heads = 4,
        KvHeads = 2,
        IntermediateSize = 512,
        MaxPositions = 1024,
    };

    /// <summary>
    /// About 100M parameters (SmolLM-like proportions) over a 32,768-token vocabulary; set
    /// <see cref="VocabSize"/> to the tokenizer's when it differs.
    /// </summary>
    public static PolicyConfig Small100M { get; } = new()
    {
        VocabSize = 32_768,
        HiddenSize = 768,
        Layers = 12,
        Heads = 12,
        KvHeads = 4,
        IntermediateSize = 2048,
        MaxPositions = 4096,
    };

    /// <summary>Every problem with this configuration, one sentence each; empty when it is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Positive(string name, double value)
        {
            if (!(value > 0))
            {
                problems.Add($"{name} must be positive, got {value.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        Positive(nameof(VocabSize), VocabSize);
        Positive(nameof(HiddenSize), HiddenSize);
        Positive(nameof(Layers), Layers);
        Positive(nameof(Heads), Heads);
        Positive(nameof(KvHeads), KvHeads);
        Positive(nameof(IntermediateSize), IntermediateSize);
        Positive(nameof(RopeTheta), RopeTheta);
        Positive(nameof(RmsNormEps), RmsNormEps);
        Positive(nameof(MaxPositions), MaxPositions);
        if (HiddenSize > 0 && Heads > 0 && HiddenSize % Heads != 0)
        {
            problems.Add($"{nameof(HiddenSize)} ({HiddenSize}) must be divisible by {nameof(Heads)} ({Heads})");
        }
        else if (HeadDim % 2 != 0)
        {
            // Rotary embeddings rotate pairs of channels.
            problems.Add($"the head size {nameof(HiddenSize)}/{nameof(Heads)} ({HeadDim}) must be even for rotary positions");
        }

        if (Heads > 0 && KvHeads > 0 && Heads % KvHeads != 0)
        {
            problems.Add($"{nameof(Heads)} ({Heads}) must be a multiple of {nameof(KvHeads)} ({KvHeads}) for grouped-query attention");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when the configuration is invalid.</summary>
    /// <returns>This configuration, for chaining.</returns>
    public PolicyConfig Validate()
    {
        var problems = Problems();
        return problems.Count == 0
            ? this
            : throw new ArgumentException("invalid policy config: " + string.Join("; ", problems));
    }

    /// <summary>
    /// The fields where <paramref name="other"/> differs from this configuration, as
    /// <c>"Name: this vs other"</c>; empty when they are equal.
    /// </summary>
    public IReadOnlyList<string> Differences(PolicyConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Compare<T>(string name, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {mine} vs {theirs}"));
            }
        }

        Compare(nameof(VocabSize), VocabSize, other.VocabSize);
        Compare(nameof(HiddenSize), HiddenSize, other.HiddenSize);
        Compare(nameof(Layers), Layers, other.Layers);
        Compare(nameof(Heads), Heads, other.Heads);
        Compare(nameof(KvHeads), KvHeads, other.KvHeads);
        Compare(nameof(IntermediateSize), IntermediateSize, other.IntermediateSize);
        Compare(nameof(RopeTheta), RopeTheta, other.RopeTheta);
        Compare(nameof(RmsNormEps), RmsNormEps, other.RmsNormEps);
        Compare(nameof(MaxPositions), MaxPositions, other.MaxPositions);
        Compare(nameof(TieEmbeddings), TieEmbeddings, other.TieEmbeddings);
        Compare(nameof(AttentionBias), AttentionBias, other.AttentionBias);
        Compare(nameof(AttentionOutputBias), AttentionOutputBias, other.AttentionOutputBias);
        Compare(nameof(ValueHead), ValueHead, other.ValueHead);
        return differences;
    }

    /// <summary>
    /// The number of trainable parameters a model of this configuration has (tied embeddings counted once,
    /// the value head included when present), without building it.
    /// </summary>
    public long ParameterCount()
    {
        long hidden = HiddenSize, kvWidth = (long)KvHeads * HeadDim;
        long attention = (hidden * hidden) + (2 * hidden * kvWidth)
            + (AttentionBias ? hidden + (2 * kvWidth) : 0)
            + (hidden * hidden) + (AttentionOutputBias ? hidden : 0);
        long mlp = 3 * hidden * IntermediateSize;
        long layer = attention + mlp + (2 * hidden);
        long embeddings = (long)VocabSize * hidden;
        return embeddings + (Layers * layer) + hidden
            + (TieEmbeddings ? 0 : embeddings)
            + (ValueHead ? hidden + 1 : 0);
    }
}
