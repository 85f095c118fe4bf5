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
    public static void Save(string path, string title, string yLabel, IReadOnlyList<CurveSeries> series, int width = 900, int height = 500)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
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
        if (series.Count > 1)
        {
            plot.ShowLegend(Alignment.LowerRight);
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".");
        plot.SavePng(path, width, height);
    }
}
