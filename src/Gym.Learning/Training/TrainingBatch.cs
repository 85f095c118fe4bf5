using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>
/// <see cref="TrainingSample"/>s collated into right-padded tensors [B, T] on one device. The batch owns
/// its tensors (they belong to no dispose scope) until it is disposed.
/// </summary>
/// <remarks>
/// Right padding keeps every real token at the position it had at generation (0..n−1); padding is masked
/// out of attention (<see cref="AttentionMask"/>) and out of the loss (<see cref="LossMask"/> is 0 there).
/// </remarks>
public sealed class TrainingBatch : IDisposable
{
    private TrainingBatch(IReadOnlyList<TrainingSample> samples, Tensor inputIds, Tensor positions, Tensor attentionMask, Tensor lossMask, Tensor oldLogProbs, Tensor tokenRewards, Tensor advantages, Tensor stateIndices, Tensor oldValues, Tensor valueTargets)
    {
        Samples = samples;
        InputIds = inputIds;
        Positions = positions;
        AttentionMask = attentionMask;
        LossMask = lossMask;
        OldLogProbs = oldLogProbs;
        TokenRewards = tokenRewards;
        Advantages = advantages;
        StateIndices = stateIndices;
        OldValues = oldValues;
        ValueTargets = valueTargets;
        ActionTokens = samples.Sum(s => s.ActionLength);
    }

    /// <summary>The samples, in batch order.</summary>
    public IReadOnlyList<TrainingSample> Samples { get; }

    /// <summary>Token ids [B, T] (int64); padding is the id 0, masked out.</summary>
    public Tensor InputIds { get; }

    /// <summary>Positions [B, T] (int64): 0..n−1 for each sequence's tokens, continuing over its padding.</summary>
    public Tensor Positions { get; }

    /// <summary>Padding mask [B, T] (bool): true on real tokens.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>Loss mask [B, T] (float32): 1 on action tokens, 0 on context and padding.</summary>
    public Tensor LossMask { get; }

    /// <summary>Log-probs at sampling time [B, T] (float32), 0 off the action tokens.</summary>
    public Tensor OldLogProbs { get; }

    /// <summary>Each turn's reward on its last action token [B, T] (float32), 0 elsewhere.</summary>
    public Tensor TokenRewards { get; }

    /// <summary>Each sequence's advantage [B] (float32).</summary>
    public Tensor Advantages { get; }

    /// <summary>Where each sequence's state is read [B] (int64): its last context token, <see cref="TrainingSample.PromptLength"/> − 1.</summary>
    public Tensor StateIndices { get; }

    /// <summary>PPO: each sequence's value at rollout, <see cref="TrainingSample.OldValue"/> [B] (float32).</summary>
    public Tensor OldValues { get; }

    /// <summary>PPO: each sequence's value target, <see cref="TrainingSample.ValueTarget"/> [B] (float32).</summary>
    public Tensor ValueTargets { get; }

    /// <summary>The number of sequences B.</summary>
    public int Count => Samples.Count;

    /// <summary>The padded length T: the longest sequence.</summary>
    public long Length => InputIds.shape[1];

    /// <summary>The number of action tokens in the batch (the loss averages over them).</summary>
    public int ActionTokens { get; }

    /// <summary>Pads <paramref name="samples"/> on the right into one batch on <paramref name="device"/> (the CPU when null).</summary>
    /// <exception cref="ArgumentException">There are no samples, or a sample's arrays differ in length.</exception>
    public static TrainingBatch Collate(IReadOnlyList<TrainingSample> samples, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples to collate", nameof(samples));
        }

        var batch = samples.Count;
        var length = samples.Max(s => s.Length);
        var ids = new long[batch * length];
        var positions = new long[batch * length];
        var attention = new bool[batch * length];
        var loss = new float[batch * length];
        var old = new float[batch * length];
        var rewards = new float[batch * length];
        var advantages = new float[batch];
        var stateIndices = new long[batch];
        var oldValues = new float[batch];
        var valueTargets = new float[batch];
        for (var i = 0; i < batch; i++)
        {
            var sample = samples[i] ?? throw new ArgumentException($"sample {i} is null", nameof(samples));
            if (sample.Positions.Count != sample.Length || sample.LossMask.Count != sample.Length || sample.OldLogProbs.Count != sample.Length || sample.TokenRewards.Count != sample.Length)
            {
                throw new ArgumentException($"sample {i} (episode {sample.Episode} turn {sample.Turn}) has arrays of different lengths", nameof(samples));
            }

            var row = i * length;
            for (var j = 0; j < length; j++)
            {
                if (j < sample.Length)
                {
                    ids[row + j] = sample.InputIds[j];
                    positions[row + j] = sample.Positions[j];
                    attention[row + j] = true;
                    loss[row + j] = sample.LossMask[j];
                    old[row + j] = sample.OldLogProbs[j];
                    rewards[row + j] = sample.TokenRewards[j];
                }
                else
                {
                    // Padding continues the positions, so they stay valid rotary inputs; nothing reads them.
                    positions[row + j] = j;
                }
            }

            advantages[i] = (float)sample.Advantage;
            stateIndices[i] = Math.Max(sample.PromptLength - 1, 0);
            oldValues[i] = (float)sample.OldValue;
            valueTargets[i] = (float)sample.ValueTarget;
        }

        device ??= CPU;
        long[] shape = [batch, length];
        return new TrainingBatch(
            samples,
            Owned(tensor(ids, shape), device),
            Owned(tensor(positions, shape), device),
            Owned(tensor(attention, shape), device),
            Owned(tensor(loss, shape), device),
            Owned(tensor(old, shape), device),
            Owned(tensor(rewards, shape), device),
            Owned(tensor(advantages), device),
            Owned(tensor(stateIndices), device),
            Owned(tensor(oldValues), device),
            Owned(tensor(valueTargets), device));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        Positions.Dispose();
        AttentionMask.Dispose();
        LossMask.Dispose();
        OldLogProbs.Dispose();
        TokenRewards.Dispose();
        Advantages.Dispose();
        StateIndices.Dispose();
        OldValues.Dispose();
        ValueTargets.Dispose();
    }

    // Built on the CPU, then moved; the batch, not the caller's dispose scope, owns the result.
    private static Tensor Owned(Tensor cpu, Device device)
    {
        if (device.type == TorchSharp.DeviceType.CPU)
        {
            return cpu.DetachFromDisposeScope();
        }

        using (cpu)
        {
            return cpu.to(device).DetachFromDisposeScope();
        }
    }
}
