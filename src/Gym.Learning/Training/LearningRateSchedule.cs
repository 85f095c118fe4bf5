using System.Globalization;

namespace Gym.Learning.Training;

/// <summary>How the learning rate changes over a run.</summary>
public enum LearningRateShape
{
    /// <summary>The base rate throughout (after any warm-up).</summary>
    Constant,

    /// <summary>Half a cosine from the base rate down to zero at the last step (after any warm-up).</summary>
    Cosine,
}

/// <summary>
/// A learning-rate schedule: a linear warm-up over <paramref name="WarmupSteps"/> steps from
/// base/WarmupSteps up to the base rate, then <paramref name="Shape"/> until <paramref name="TotalSteps"/>.
/// Warm-up matters most when training resumes from a checkpoint with fresh AdamW moments, whose first
/// steps move every weight by about the full learning rate.
/// </summary>
/// <param name="Shape">Constant or cosine decay after the warm-up.</param>
/// <param name="WarmupSteps">Steps of linear warm-up (0: none).</param>
/// <param name="TotalSteps">The run's optimizer steps, where a cosine reaches zero.</param>
public sealed record LearningRateSchedule(LearningRateShape Shape, int WarmupSteps, int TotalSteps)
{
    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new(LearningRateShape.Constant, 0, 1);

    /// <summary>The factor on the base learning rate for optimizer step <paramref name="step"/> (1-based).</summary>
    public double FactorAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (step <= WarmupSteps)
        {
            return (double)step / WarmupSteps;
        }

        if (Shape == LearningRateShape.Constant)
        {
            return 1;
        }

        // Progress through the decay: 0 right after warm-up, 1 at the last step (and beyond).
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>This schedule, checked; throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public LearningRateSchedule Validate()
    {
        if (WarmupSteps < 0)
        {
            throw new ArgumentException($"{nameof(WarmupSteps)} must be 0 or positive, got {WarmupSteps.ToString(CultureInfo.InvariantCulture)}");
        }

        if (TotalSteps < 1)
        {
            throw new ArgumentException($"{nameof(TotalSteps)} must be positive, got {TotalSteps.ToString(CultureInfo.InvariantCulture)}");
        }

        return this;
    }
}
