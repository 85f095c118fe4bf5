using Gym.Learning.Metrics.Charts;

namespace Gym.Learning.Metrics;

/// <summary>One line of a learning curve: its name and (step, value) points.</summary>
/// <param name="Name">The legend label.</param>
/// <param name="Points">The points, by step.</param>
public sealed record CurveSeries(string Name, IReadOnlyList<(double Step, double Value)> Points);

/// <summary>
/// Learning curves as PNG files, because people would rather look than read. Drawn by Gym's own chart
/// writer (<see cref="ChartLayout"/>, <see cref="ChartRenderer"/>), with text from a DejaVu Sans glyph
/// atlas: no native graphics library to restore.
/// </summary>
public static class LearningCurve
{
    /// <summary>Saves a line chart of <paramref name="series"/> to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The chart title.</param>
    /// <param name="yLabel">The y axis label.</param>
    /// <param name="series">The lines; empty ones are left out, and NaN or infinite points are skipped (they break the line).</param>
    /// <param name="yRange">Fixed y limits (a rate: 0 to 1); null fits the data.</param>
    /// <param name="width">Image width in pixels (at least 300).</param>
    /// <param name="height">Image height in pixels (at least 200).</param>
    public static void Save(string path, string title, string yLabel, IReadOnlyList<CurveSeries> series, (double Min, double Max)? yRange = null, int width = 900, int height = 500)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var png = ChartRenderer.RenderPng(Layout(title, yLabel, series, yRange, width, height));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        File.WriteAllBytes(path, png);
    }

    /// <summary>The layout <see cref="Save"/> draws (tests read its axes and legend).</summary>
    internal static ChartLayout Layout(string title, string yLabel, IReadOnlyList<CurveSeries> series, (double Min, double Max)? yRange, int width = 900, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(series);
        // Steps are whole numbers: a short run must not get ticks at 0.5.
        ChartSeries[] lines = [.. series.Select(s => new ChartSeries(s.Name, s.Points))];
        return ChartLayout.Compute(new ChartSpec(title ?? "", "step", yLabel ?? "", lines, yRange, IntegerX: true, width, height));
    }
}
