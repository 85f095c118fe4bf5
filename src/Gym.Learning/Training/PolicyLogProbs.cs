using Gym.Learning.Model;
using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>What one forward over a <see cref="TrainingBatch"/> gives PPO; tensors of the caller's dispose scope.</summary>
/// <param name="LogProbs">Per-token log-probs [B, T] float32, as <see cref="PolicyLogProbs.TokenLogProbs"/>.</param>
/// <param name="Values">Each sequence's state value [B] float32: the value head at its last context token (<see cref="TrainingBatch.StateIndices"/>).</param>
public sealed record PolicyLogProbsAndValues(Tensor LogProbs, Tensor Values);

/// <summary>Per-token log-probabilities of a batch's action tokens under a model (and, for PPO, its state values).</summary>
public static class PolicyLogProbs
{
    /// <summary>
    /// log p(token j | tokens before j) for every action token of <paramref name="batch"/>, as [B, T]
    /// float32, 0 where the loss mask is 0. The forward uses the batch's positions and padding mask, so each
    /// token sees exactly what it saw at generation and the values equal the log-probs recorded at rollout
    /// (temperature 1). Differentiable: call it inside a <c>torch.NewDisposeScope()</c>, under
    /// <c>no_grad()</c> when no gradient is needed (see <see cref="Inference"/>).
    /// </summary>
    public static Tensor TokenLogProbs(PolicyModel model, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var logits = model.Forward(batch.InputIds, batch.Positions, batch.AttentionMask).Logits;
        return FromLogits(logits, batch).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="TokenLogProbs"/> and, from the same forward, each sequence's state value V(s_t): the value
    /// head's output at the last context token (index <see cref="TrainingSample.PromptLength"/> − 1), which
    /// has read exactly the context the policy acted from and nothing of the action. Differentiable, like
    /// <see cref="TokenLogProbs"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no value head.</exception>
    public static PolicyLogProbsAndValues WithValues(PolicyModel model, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        PpoSamples.RequireValueHead(model);
        using var scope = NewDisposeScope();
        var output = model.Forward(batch.InputIds, batch.Positions, batch.AttentionMask);
        var logProbs = FromLogits(output.Logits, batch);
        var values = StateValues(output.Values!, batch);
        return new PolicyLogProbsAndValues(logProbs.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Each sequence's state value [B] float32 from the value head's output [B, T] over <paramref name="batch"/>:
    /// the entry at <see cref="TrainingBatch.StateIndices"/> (the last context token).
    /// </summary>
    public static Tensor StateValues(Tensor values, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var index = batch.StateIndices.to(values.device).unsqueeze(1);
        return values.gather(1, index).squeeze(1).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="TokenLogProbs"/> under <c>no_grad()</c> in <c>eval()</c> mode (restored afterwards): for
    /// a frozen reference model, or to check a policy against its recorded log-probs.
    /// </summary>
    public static Tensor Inference(PolicyModel model, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            return TokenLogProbs(model, batch);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// The per-token log-probs [B, T] from logits [B, T, V] of a forward over <paramref name="batch"/>:
    /// the logits at j − 1 score token j; position 0 (never an action token) gets 0.
    /// </summary>
    public static Tensor FromLogits(Tensor logits, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var length = batch.Length;
        var mask = batch.LossMask.to(logits.device);
        if (length < 2)
        {
            return zeros_like(mask).MoveToOuterDisposeScope();
        }

        // log-softmax in float32 over the vocabulary, as generation computes the recorded log-probs.
        var predictions = nn.functional.log_softmax(logits.narrow(1, 0, length - 1).to_type(ScalarType.Float32), -1);
        var targets = batch.InputIds.narrow(1, 1, length - 1).to(logits.device).unsqueeze(-1);
        var scored = predictions.gather(-1, targets).squeeze(-1);
        var aligned = nn.functional.pad(scored, [1, 0]);

        // Multiplying (not indexing) keeps the shape; a masked token contributes 0 and gets no gradient.
        return (aligned * mask).MoveToOuterDisposeScope();
    }
}
