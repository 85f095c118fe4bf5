using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// Multi-head self-attention with grouped key/value heads (each kv head serves Heads/KvHeads query heads)
/// and rotary positions on queries and keys.
/// </summary>
internal sealed class GroupedQueryAttention : nn.Module
{
    // Fields in call order; component names are the Hugging Face ones so state_dict keys match checkpoints.
    [ComponentName(Name = "q_proj")]
    private readonly Linear _query;

    [ComponentName(Name = "k_proj")]
    private readonly Linear _key;

    [ComponentName(Name = "v_proj")]
    private readonly Linear _value;

    [ComponentName(Name = "o_proj")]
    private readonly Linear _output;

    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public GroupedQueryAttention(PolicyConfig config)
        : base(nameof(GroupedQueryAttention))
    {
        _heads = config.Heads;
        _kvHeads = config.KvHeads;
        _headDim = config.HeadDim;
        _query = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: config.AttentionBias);
        _key = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.AttentionBias);
        _value = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.AttentionBias);
        _output = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: config.AttentionOutputBias);
        RegisterComponents();
    }

    /// <param name="input">Hidden states [B, T, hidden].</param>
    /// <param name="cos">Rotary cosines [B, 1, T, D].</param>
    /// <param name="sin">Rotary sines [B, 1, T, D].</param>
    /// <param name="allowed">Boolean [B, 1, T, S] (true = may attend), or null to attend to every key.</param>
    /// <param name="cache">Keys and values of earlier positions, appended to in place, or null.</param>
    /// <param name="layer">This layer's index in the cache.</param>
    public Tensor Forward(Tensor input, Tensor cos, Tensor sin, Tensor? allowed, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], length = input.shape[1];
        var queries = Rotary.Apply(SplitHeads(_query.forward(input), _heads), cos, sin);
        var keys = Rotary.Apply(SplitHeads(_key.forward(input), _kvHeads), cos, sin);
        var values = SplitHeads(_value.forward(input), _kvHeads);
        if (cache is not null)
        {
            (keys, values) = cache.Append(layer, keys, values);
        }

        if (_kvHeads != _heads)
        {
            // Query head h reads kv head h / (Heads / KvHeads), as Hugging Face's repeat_kv arranges them.
            keys = keys.repeat_interleave(_heads / _kvHeads, dim: 1);
            values = values.repeat_interleave(_heads / _kvHeads, dim: 1);
        }

        var attended = nn.functional.scaled_dot_product_attention(queries, keys, values, allowed);
        var merged = attended.transpose(1, 2).reshape(batch, length, _heads * _headDim);
        return _output.forward(merged).MoveToOuterDisposeScope();
    }

    private Tensor SplitHeads(Tensor projected, int heads) =>
        projected.view(projected.shape[0], projected.shape[1], heads, _headDim).transpose(1, 2);
}
