using ScottPlot;

namespace Gym.Learning.Metrics;

/// <summary>One line of a learning curve: its name and (step, value) points.</summary>
/// <param name="Name">The legend label.</param>
/// <param name="Points">The points, by step.</param>
public sealed record CurveSeries(string Name, IReadOnlyList<(double Step, double Value)> Points);

/// <summary>Learning curves as PNG files (ScottPlot), because people would rather look than read.</summary>
public static class LearningCurve
{
    /// <summary>Saves a line chart of <paramref name="series"/> to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The chart title.</param>
    /// <param name="yLabel">The y axis label.</param>
    /// <param name="series">The lines; empty ones are left out.</param>
    /// <param name="yRange">Fixed y limits (a rate: 0 to 1); null fits the data.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Save(string path, string title, string yLabel, IReadOnlyList<CurveSeries> series, (double Min, double Max)? yRange = null, int width = 900, int height = 500)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var plot = Build(title, yLabel, series, yRange);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".");
        plot.SavePng(path, width, height);
    }

    /// <summary>The chart <see cref="Save"/> draws (tests read its axes and legend).</summary>
    internal static Plot Build(string title, string yLabel, IReadOnlyList<CurveSeries> series, (double Min, double Max)? yRange)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = new Plot();
        foreach (var line in series.Where(s => s.Points.Count > 0))
        {
            double[] xs = [.. line.Points.Select(p => p.Step)];
            double[] ys = [.. line.Points.Select(p => p.Value)];
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = line.Name;
        }

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(yLabel);

        // Steps are whole numbers: a short run must not get ticks at 0.5.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (yRange is { } range)
        {
            // A little room so markers at exactly 0 or 1 are not cut in half; the ticks stay inside the range.
            var pad = (range.Max - range.Min) * 0.03;
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsY(range.Min - pad, range.Max + pad);
        }

        if (series.Count > 1)
        {
            // Outside the data area: inside, it covers the last points, the ones a reader looks at first.
            plot.ShowLegend(Edge.Right);
        }

        return plot;
    }
}
