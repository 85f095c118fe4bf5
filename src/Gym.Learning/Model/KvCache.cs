using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// Keys and values of the positions a <see cref="PolicyModel"/> has already seen, per layer, so that each
/// generated token costs one position of compute. Buffers are allocated once at full capacity
/// ([batch, kv heads, capacity, head size], keys after rotary embedding, before grouped heads are repeated)
/// and filled in place; the whole batch advances together, which left padding makes possible.
/// Inference only: use it under <c>torch.no_grad()</c>. Owns its tensors: dispose it.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    internal KvCache(PolicyConfig config, long batch, long capacity, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Batch = batch;
        Capacity = capacity;
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (var layer = 0; layer < config.Layers; layer++)
        {
            // Detached: the cache outlives the dispose scope of the step that creates it.
            _keys[layer] = zeros([batch, config.KvHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
            _values[layer] = zeros([batch, config.KvHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
        }
    }

    /// <summary>Number of sequences the cache holds.</summary>
    public long Batch { get; }

    /// <summary>Most positions the cache can hold.</summary>
    public long Capacity { get; }

    /// <summary>Positions already filled (padding included); the next forward's keys start here.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Writes <paramref name="keys"/> and <paramref name="values"/> [B, kv heads, T, D] of one layer after
    /// the filled positions and returns views of everything filled so far, new positions included.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var count = keys.shape[2];
        if (Length + count > Capacity)
        {
            throw new InvalidOperationException($"the KV cache holds {Capacity} positions; {Length} are filled and {count} more do not fit");
        }

        using (var target = _keys[layer].narrow(2, Length, count))
        {
            target.copy_(keys);
        }

        using (var target = _values[layer].narrow(2, Length, count))
        {
            target.copy_(values);
        }

        return (_keys[layer].narrow(2, 0, Length + count), _values[layer].narrow(2, 0, Length + count));
    }

    /// <summary>Marks <paramref name="count"/> more positions as filled, once every layer has appended them.</summary>
    internal void Advance(long count) => Length += count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor?.Dispose();
        }
    }
}
