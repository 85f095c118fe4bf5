using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>One pre-norm decoder layer: <c>x + attn(norm(x))</c>, then <c>x + mlp(norm(x))</c>.</summary>
internal sealed class DecoderLayer : nn.Module
{
    // Fields in call order; component names are the Hugging Face ones so state_dict keys match checkpoints.
    [ComponentName(Name = "input_layernorm")]
    private readonly RmsNorm _attentionNorm;

    [ComponentName(Name = "self_attn")]
    private readonly GroupedQueryAttention _attention;

    [ComponentName(Name = "post_attention_layernorm")]
    private readonly RmsNorm _mlpNorm;

    [ComponentName(Name = "mlp")]
    private readonly SwiGluMlp _mlp;

    public DecoderLayer(PolicyConfig config)
        : base(nameof(DecoderLayer))
    {
        _attentionNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        _attention = new GroupedQueryAttention(config);
        _mlpNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        _mlp = new SwiGluMlp(config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor input, Tensor cos, Tensor sin, Tensor? allowed, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var hidden = input + _attention.Forward(_attentionNorm.forward(input), cos, sin, allowed, cache, layer);
        return (hidden + _mlp.forward(_mlpNorm.forward(hidden))).MoveToOuterDisposeScope();
    }
}
