namespace Gym.Core.Rewards.Normalization;

/// <summary>
/// A running z-score over a stream of rewards, for normalizing rewards across batches. Mean and
/// variance are updated with Welford's algorithm (Welford 1962), which stays accurate over long streams
/// where the naive sum of squares loses precision. Not thread-safe.
/// </summary>
public sealed class RunningZScore
{
    private double _mean;
    private double _m2;

    /// <summary>How many values have been observed.</summary>
    public long Count { get; private set; }

    /// <summary>The mean of the observed values (0 before any).</summary>
    public double Mean => _mean;

    /// <summary>The population variance of the observed values (divide by the count; 0 before any).</summary>
    public double Variance => Count == 0 ? 0 : _m2 / Count;

    /// <summary>The population standard deviation of the observed values (0 before any).</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Adds one value to the statistics.</summary>
    /// <param name="value">A finite reward.</param>
    public void Observe(double value)
    {
        RewardArguments.Finite(value);
        Count++;
        var delta = value - _mean;
        _mean += delta / Count;
        _m2 += delta * (value - _mean);
    }

    /// <summary>
    /// <c>(value − Mean) / (StandardDeviation + ε)</c>, the value's z-score under the statistics so far;
    /// it does not observe <paramref name="value"/>. Returns 0 when the spread and ε are both 0.
    /// </summary>
    /// <param name="value">A finite reward.</param>
    /// <param name="epsilon">Added to the standard deviation (≥ 0, finite).</param>
    /// <exception cref="InvalidOperationException">No value has been observed yet.</exception>
    public double Normalize(double value, double epsilon = 1e-8)
    {
        RewardArguments.Finite(value);
        RewardArguments.Finite(epsilon);
        if (epsilon < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be >= 0.");
        }

        if (Count == 0)
        {
            throw new InvalidOperationException("Observe at least one value before normalizing: there is no mean or spread yet.");
        }

        var scale = StandardDeviation + epsilon;
        return scale == 0 ? 0 : (value - _mean) / scale;
    }
}
