using System.Globalization;

namespace Gym.Learning.Metrics.Charts;

/// <summary>A labelled tick: its value, its text and its pixel position along the axis.</summary>
/// <param name="Value">The data value.</param>
/// <param name="Label">The text drawn beside it.</param>
/// <param name="Pixel">Canvas column (x axis) or row (y axis).</param>
internal sealed record Tick(double Value, string Label, double Pixel);

/// <summary>"Nice" tick steps (1, 2 or 5 times a power of ten) and their labels.</summary>
internal static class AxisTicks
{
    private static readonly double[] Mantissas = [1, 2, 5];

    /// <summary>
    /// Steps from <paramref name="rough"/> upwards: the smallest nice step at least <paramref name="rough"/>,
    /// then each next nice step. Integer axes never go below 1.
    /// </summary>
    public static IEnumerable<double> StepsFrom(double rough, bool integersOnly)
    {
        if (!(rough > 0) || double.IsInfinity(rough))
        {
            rough = 1;
        }

        if (integersOnly)
        {
            rough = Math.Max(rough, 1);
        }

        var exponent = (int)Math.Floor(Math.Log10(rough));

        for (; exponent < 308; exponent++)
        {
            var power = Math.Pow(10, exponent);
            foreach (var mantissa in Mantissas)
            {
                var step = mantissa * power;
                if (step >= rough * (1 - 1e-9))
                {
                    yield return step;
                }
            }
        }
    }

    /// <summary>The multiples of <paramref name="step"/> inside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static IReadOnlyList<double> Multiples(double min, double max, double step)
    {
        var values = new List<double>();
        var first = Math.Ceiling((min / step) - 1e-9);
        var last = Math.Floor((max / step) + 1e-9);
        for (var k = first; k <= last && values.Count < 1000; k++)
        {
            // k * step, not a running sum: no drift (0.30000000000000004) in long axes.
            var value = k * step;
            values.Add(value == 0 ? 0 : value);
        }

        return values;
    }

    /// <summary>The label of <paramref name="value"/> on an axis whose ticks are <paramref name="step"/> apart.</summary>
    public static string Format(double value, double step)
    {
        if (step >= 1)
        {
            return Math.Round(value).ToString("#,0", CultureInfo.InvariantCulture);
        }

        var decimals = Math.Min(12, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        return Math.Round(value, decimals).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
