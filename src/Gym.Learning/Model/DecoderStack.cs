using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// The transformer body (Hugging Face's <c>Qwen2Model</c>/<c>LlamaModel</c>, registered as <c>model</c>):
/// token embedding, decoder layers and the final norm. Returns normalized hidden states.
/// </summary>
internal sealed class DecoderStack : nn.Module
{
    // Fields in call order; component names are the Hugging Face ones so state_dict keys match checkpoints.
    [ComponentName(Name = "embed_tokens")]
    private readonly Embedding _embedding;

    [ComponentName(Name = "layers")]
    private readonly ModuleList<DecoderLayer> _layers;

    [ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;

    public DecoderStack(PolicyConfig config)
        : base(nameof(DecoderStack))
    {
        _embedding = nn.Embedding(config.VocabSize, config.HiddenSize);
        _layers = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new DecoderLayer(config)).ToArray());
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>The token embedding matrix [vocab, hidden], which a tied output projection reuses.</summary>
    public Parameter EmbeddingWeight => _embedding.weight!;

    public Tensor Forward(Tensor inputIds, Tensor cos, Tensor sin, Tensor? allowed, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = _embedding.forward(inputIds);
        for (var layer = 0; layer < _layers.Count; layer++)
        {
            hidden = _layers[layer].Forward(hidden, cos, sin, allowed, cache, layer);
        }

        return _norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
