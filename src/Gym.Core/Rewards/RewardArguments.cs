using System.Runtime.CompilerServices;

namespace Gym.Core.Rewards;

/// <summary>
/// Argument checks shared by the reward math. A NaN or infinite reward is a bug upstream; failing at
/// the first formula that sees it names the culprit, whereas letting it flow into an advantage or a
/// loss only shows up later as a diverged run.
/// </summary>
internal static class RewardArguments
{
    public static double Finite(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        double.IsFinite(value) ? value : throw new ArgumentException($"{name} must be a finite number, got {value}.", name);

    public static double NotNaN(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        double.IsNaN(value) ? throw new ArgumentException($"{name} must be a number, got NaN.", name) : value;

    public static double UnitInterval(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1].");

    public static IReadOnlyList<double> AllFinite(IReadOnlyList<double> values, [CallerArgumentExpression(nameof(values))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        for (var i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] must be a finite number, got {values[i]}.", name);
            }
        }

        return values;
    }

    public static void SameLength<TA, TB>(
        IReadOnlyList<TA> a,
        IReadOnlyList<TB> b,
        [CallerArgumentExpression(nameof(a))] string? nameA = null,
        [CallerArgumentExpression(nameof(b))] string? nameB = null)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"{nameA} and {nameB} must have the same length, got {a.Count} and {b.Count}.", nameB);
        }
    }
}
