using System.Globalization;
using Gym.Learning.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>Settings of <see cref="PolicyOptimizer"/>.</summary>
/// <param name="LearningRate">AdamW's step size.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay.</param>
/// <param name="Beta1">AdamW's first-moment decay.</param>
/// <param name="Beta2">AdamW's second-moment decay.</param>
/// <param name="Epsilon">AdamW's denominator term.</param>
/// <param name="MaxGradNorm">Gradients are scaled down so their global L2 norm is at most this; 0 turns clipping off.</param>
/// <param name="LearningRateSchedule">Warm-up and decay of <paramref name="LearningRate"/> over the steps; null: constant.</param>
public sealed record OptimizerOptions(
    double LearningRate = 1e-5,
    double WeightDecay = 0.0,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double MaxGradNorm = 1.0,
    LearningRateSchedule? LearningRateSchedule = null)
{
    /// <summary>The schedule in force: <see cref="LearningRateSchedule"/>, or constant when it is null.</summary>
    public LearningRateSchedule Schedule => LearningRateSchedule ?? Training.LearningRateSchedule.Constant;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <returns>These options, for chaining.</returns>
    public OptimizerOptions Validate()
    {
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "positive");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "0 or positive");
        Check(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "in [0, 1)");
        Check(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "in [0, 1)");
        Check(Epsilon > 0 && double.IsFinite(Epsilon), nameof(Epsilon), Epsilon, "positive");
        LearningRateSchedule?.Validate();
        Check(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "0 (off) or positive");
        return this;
    }

    private static void Check(bool valid, string name, double value, string expected)
    {
        if (!valid)
        {
            throw new ArgumentException($"{name} must be {expected}, got {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}

/// <summary>What one optimizer step did.</summary>
/// <param name="Loss">The loss, summed over the step's micro-batches.</param>
/// <param name="GradNorm">The global L2 norm of the gradients before clipping.</param>
public sealed record OptimizerStepResult(double Loss, double GradNorm);

/// <summary>
/// AdamW over a <see cref="PolicyModel"/>'s parameters with global gradient-norm clipping. Each step
/// zeroes the gradients, runs every micro-batch's loss and backward pass in its own dispose scope (so one
/// micro-batch's activations are freed before the next), clips, and updates the weights in
/// <c>train()</c> mode.
/// </summary>
public sealed class PolicyOptimizer : IDisposable
{
    private readonly PolicyModel _model;
    private readonly Parameter[] _parameters;
    private readonly OptimizerHelper _optimizer;

    /// <summary>Creates the optimizer.</summary>
    public PolicyOptimizer(PolicyModel model, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _model = model;
        _parameters = [.. model.parameters()];
        _optimizer = optim.AdamW(_parameters, lr: options.LearningRate, beta1: options.Beta1, beta2: options.Beta2, eps: options.Epsilon, weight_decay: options.WeightDecay);
    }

    /// <summary>The settings.</summary>
    public OptimizerOptions Options { get; }

    /// <summary>The learning rate of the latest step (the schedule's factor times the base rate).</summary>
    public double LearningRate { get; private set; }

    /// <summary>How many steps have been taken.</summary>
    public int Steps { get; private set; }

    /// <summary>One step on the loss <paramref name="computeLoss"/> returns (a scalar with gradient).</summary>
    public OptimizerStepResult Step(Func<Tensor> computeLoss)
    {
        ArgumentNullException.ThrowIfNull(computeLoss);
        return Step(1, _ => computeLoss());
    }

    /// <summary>
    /// One step over <paramref name="microBatches"/> losses whose gradients add up: the caller scales each
    /// (e.g. by the step's total token count, see <see cref="PolicyLoss.Compute(PolicyModel, TrainingBatch, Tensor?, PolicyLossOptions, double?, double?)"/>)
    /// so that their sum is the step's loss.
    /// </summary>
    /// <param name="microBatches">How many losses to accumulate (at least 1).</param>
    /// <param name="computeLoss">The loss of micro-batch k, a scalar with gradient; called inside its own dispose scope.</param>
    public OptimizerStepResult Step(int microBatches, Func<int, Tensor> computeLoss)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        ArgumentNullException.ThrowIfNull(computeLoss);
        var wasTraining = _model.training;
        _model.train();
        try
        {
            ZeroGradients();
            var total = 0.0;
            for (var k = 0; k < microBatches; k++)
            {
                using var scope = NewDisposeScope();
                var loss = computeLoss(k);
                if (loss.numel() != 1)
                {
                    throw new InvalidOperationException($"micro-batch {k}'s loss has {loss.numel()} elements; a loss is a scalar");
                }

                loss.backward();
                total += loss.item<float>();
            }

            using var stepScope = NewDisposeScope();
            var norm = Options.MaxGradNorm > 0
                ? nn.utils.clip_grad_norm_(_parameters, Options.MaxGradNorm)
                : GradNorm();
            Steps++;
            LearningRate = Options.LearningRate * Options.Schedule.FactorAt(Steps);
            foreach (var group in _optimizer.ParamGroups)
            {
                group.LearningRate = LearningRate;
            }

            _optimizer.step();
            return new OptimizerStepResult(total, norm);
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();

    private void ZeroGradients()
    {
        // Not the optimizer's zero_grad(): in TorchSharp 0.107 it leaves one live tensor wrapper per
        // parameter behind on every call. Each wrapper here belongs to this scope; the gradients themselves
        // stay with their parameters.
        using var scope = NewDisposeScope();
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
    }

    private double GradNorm()
    {
        using var scope = NewDisposeScope();
        var squares = 0.0;
        foreach (var parameter in _parameters)
        {
            if (parameter.grad is { } grad)
            {
                squares += grad.to_type(ScalarType.Float64).square().sum().item<double>();
            }
        }

        return Math.Sqrt(squares);
    }
}
