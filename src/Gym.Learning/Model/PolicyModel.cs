using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// The policy: a decoder-only transformer with the Llama/Qwen2 layout (RMSNorm, rotary positions, SwiGLU,
/// grouped-query attention), an output projection (optionally tied to the embedding) and an optional
/// value head. Parameter names are Hugging Face's (<c>model.layers.0.self_attn.q_proj.weight</c>, …), so
/// <c>state_dict()</c> keys are checkpoint keys.
/// </summary>
public sealed partial class PolicyModel : nn.Module
{
    // Fields in call order; component names are the Hugging Face ones so state_dict keys match checkpoints.
    [ComponentName(Name = "model")]
    private readonly DecoderStack _body;

    // Null when the output projection is tied to the embedding.
    [ComponentName(Name = "lm_head")]
    private readonly Linear? _head;

    // Not part of Hugging Face checkpoints; named like TRL's value-head models.
    [ComponentName(Name = "value_head")]
    private readonly Linear? _valueHead;

    /// <summary>Creates a model with freshly initialized weights.</summary>
    /// <param name="config">The model's shape; validated.</param>
    /// <param name="seed">Seed of the initial weights: the same seed gives the same model.</param>
    public PolicyModel(PolicyConfig config, ulong seed = 0)
        : base(nameof(PolicyModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        _body = new DecoderStack(config);
        _head = config.TieEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        _valueHead = config.ValueHead ? nn.Linear(config.HiddenSize, 1, hasBias: true) : null;
        RegisterComponents();
        Initialize(seed);
    }

    /// <summary>The model's shape.</summary>
    public PolicyConfig Config { get; }

    /// <summary>The device the parameters are on.</summary>
    public Device Device => _body.EmbeddingWeight.device;

    /// <summary>The parameters' element type (float32 unless moved to another).</summary>
    public ScalarType DType => _body.EmbeddingWeight.dtype;

    /// <summary>The number of trainable parameters (tied embeddings counted once).</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>
    /// Creates an empty KV cache for <paramref name="batch"/> sequences of up to <paramref name="capacity"/>
    /// positions each, on the model's device.
    /// </summary>
    public KvCache CreateCache(long batch, long capacity) => new(Config, batch, capacity, Device, DType);

    /// <summary>
    /// Runs the model over <paramref name="inputIds"/>. Call it inside a <c>torch.NewDisposeScope()</c>
    /// (and under <c>torch.no_grad()</c> with <c>eval()</c> for inference).
    /// </summary>
    /// <param name="inputIds">Token ids [B, T] (int64).</param>
    /// <param name="positionIds">
    /// Position of each token [B, T] (int64), used for the rotary embedding. When null: with a padding mask,
    /// the count of real tokens before each one (so left padding does not shift positions); otherwise the
    /// cache length plus 0..T-1.
    /// </param>
    /// <param name="attentionMask">
    /// Null for plain causal attention; a bool padding mask [B, S] over every key position (cached ones
    /// first, S = cache length + T; true = real token); or an explicit bool mask [B, T, S] (true = query t
    /// may attend to key s). The causal constraint (key position ≤ query position) is always added. A query
    /// left with no key at all (a padding position) attends to itself only, which keeps its row finite.
    /// </param>
    /// <param name="cache">
    /// Keys and values of earlier positions, appended to in place; null to process the whole sequence.
    /// </param>
    /// <returns>Logits [B, T, vocab] and, with a value head, values [B, T].</returns>
    public PolicyOutput Forward(Tensor inputIds, Tensor? positionIds = null, Tensor? attentionMask = null, KvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = NewDisposeScope();
        var hidden = ForwardHidden(inputIds, positionIds, attentionMask, cache);
        var logits = Logits(hidden).MoveToOuterDisposeScope();
        var values = _valueHead?.forward(hidden).squeeze(-1).MoveToOuterDisposeScope();
        return new PolicyOutput(logits, values);
    }

    /// <summary>
    /// The value head's estimate at one position of each sequence, [B] float32, without computing the
    /// logits: <paramref name="indices"/> [B] names the position (for PPO, each sequence's last context token).
    /// Call it inside a <c>torch.NewDisposeScope()</c>; see <see cref="Forward"/> for the other arguments.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no value head.</exception>
    internal Tensor ValuesAt(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(indices);
        var valueHead = _valueHead ?? throw new InvalidOperationException("the model has no value head (PolicyConfig.ValueHead is false)");
        using var scope = NewDisposeScope();
        var hidden = ForwardHidden(inputIds, positionIds, attentionMask, null);
        var index = indices.to(ScalarType.Int64, hidden.device).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        return valueHead.forward(hidden.gather(1, index)).view(-1).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Final hidden states [B, T, hidden] (after the last norm); see <see cref="Forward"/>.</summary>
    internal Tensor ForwardHidden(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, KvCache? cache)
    {
        if (inputIds.dim() != 2)
        {
            throw new ArgumentException($"input ids must be [batch, length], got [{string.Join(", ", inputIds.shape)}]", nameof(inputIds));
        }

        using var scope = NewDisposeScope();
        var device = Device;
        long batch = inputIds.shape[0], length = inputIds.shape[1];
        long past = cache?.Length ?? 0, keys = past + length;
        if (cache is not null && cache.Batch != batch)
        {
            throw new ArgumentException($"the KV cache holds {cache.Batch} sequences but the input has {batch}", nameof(cache));
        }

        inputIds = inputIds.to(ScalarType.Int64, device);
        var mask = attentionMask?.to(ScalarType.Bool, device);
        if (mask is not null && !(mask.dim() == 2 && mask.shape[0] == batch && mask.shape[1] == keys)
            && !(mask.dim() == 3 && mask.shape[0] == batch && mask.shape[1] == length && mask.shape[2] == keys))
        {
            throw new ArgumentException(
                $"the attention mask must be [{batch}, {keys}] (padding) or [{batch}, {length}, {keys}] (explicit), got [{string.Join(", ", mask.shape)}]",
                nameof(attentionMask));
        }

        var positions = positionIds?.to(ScalarType.Int64, device) ?? DefaultPositions(mask, batch, length, past, device);
        if (positions.dim() != 2 || positions.shape[0] != batch || positions.shape[1] != length)
        {
            throw new ArgumentException($"position ids must be [{batch}, {length}], got [{string.Join(", ", positions.shape)}]", nameof(positionIds));
        }

        var allowed = AllowedKeys(mask, length, past, device);
        var (cos, sin) = Rotary.Angles(positions, Config.HeadDim, Config.RopeTheta, DType);
        var hidden = _body.Forward(inputIds, cos, sin, allowed, cache);
        cache?.Advance(length);
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>Next-token logits [.., vocab] from final hidden states [.., hidden].</summary>
    internal Tensor Logits(Tensor hidden) =>
        _head is null ? nn.functional.linear(hidden, _body.EmbeddingWeight) : _head.forward(hidden);

    private static Tensor DefaultPositions(Tensor? mask, long batch, long length, long past, Device device)
    {
        if (mask is not null && mask.dim() == 2)
        {
            // Left padding: a token's position is the number of real tokens before it.
            var counted = (mask.to_type(ScalarType.Int64).cumsum(-1) - 1).clamp_min(0);
            return counted.narrow(1, past, length);
        }

        return (arange(length, ScalarType.Int64, device) + past).unsqueeze(0).expand(batch, length);
    }

    /// <summary>Boolean [B or 1, 1, T, S]: which keys each query may attend to; null when all of them.</summary>
    private static Tensor? AllowedKeys(Tensor? mask, long length, long past, Device device)
    {
        if (mask is null && length == 1)
        {
            return null;
        }

        var keyIndex = arange(past + length, ScalarType.Int64, device).unsqueeze(0);
        var queryIndex = (arange(length, ScalarType.Int64, device) + past).unsqueeze(1);
        var causal = keyIndex.le(queryIndex);
        if (mask is null)
        {
            return causal.unsqueeze(0).unsqueeze(0);
        }

        var allowed = mask.dim() == 2
            ? causal.unsqueeze(0) & mask.unsqueeze(1)
            : causal.unsqueeze(0) & mask;

        // A row with no key (a left-padding query) would turn into NaN in softmax, and NaN times a zero
        // attention weight is still NaN in later layers: let such a query see itself.
        var empty = allowed.any(-1, keepdim: true).logical_not();
        allowed = allowed | (empty & keyIndex.eq(queryIndex).unsqueeze(0));
        return allowed.unsqueeze(1);
    }

    private void Initialize(ulong seed)
    {
        // Hugging Face's Qwen2/Llama initialization: N(0, 0.02) for matrices, zeros for biases, ones for norms.
        using var generator = new Generator(seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                parameter.fill_(1);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                parameter.normal_(0, 0.02, generator);
            }
        }
    }
}
