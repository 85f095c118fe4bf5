using Gym.Learning.Model;
using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>Supervised fine-tuning: token cross-entropy on the target tokens of SFT samples.</summary>
public static class SftStep
{
    /// <summary>
    /// The mean cross-entropy over the target (loss-masked) tokens of <paramref name="batch"/>, a scalar
    /// with gradient: the negative mean of <see cref="PolicyLogProbs.TokenLogProbs"/>. Averaging over
    /// tokens (not sequences) weighs every target token alike, as a language-model loss does. Call it inside
    /// a <c>torch.NewDisposeScope()</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The batch has no target tokens.</exception>
    public static Tensor Loss(PolicyModel model, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.ActionTokens == 0)
        {
            throw new ArgumentException("the batch has no target tokens to train on", nameof(batch));
        }

        using var scope = NewDisposeScope();
        var logProbs = PolicyLogProbs.TokenLogProbs(model, batch);
        return (-logProbs.sum() / batch.ActionTokens).MoveToOuterDisposeScope();
    }

    /// <summary>The loss of <paramref name="batch"/> without gradient, in <c>eval()</c> mode: for measuring progress.</summary>
    public static double Evaluate(PolicyModel model, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.ActionTokens == 0)
        {
            throw new ArgumentException("the batch has no target tokens to evaluate", nameof(batch));
        }

        using var scope = NewDisposeScope();
        var logProbs = PolicyLogProbs.Inference(model, batch);
        return -logProbs.sum().item<float>() / batch.ActionTokens;
    }

    /// <summary>
    /// One <paramref name="optimizer"/> step (over <paramref name="model"/>'s parameters) on the SFT loss of
    /// <paramref name="batch"/>.
    /// </summary>
    /// <returns>The loss before the update.</returns>
    public static double Run(PolicyModel model, PolicyOptimizer optimizer, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(batch);
        return optimizer.Step(() => Loss(model, batch)).Loss;
    }
}
