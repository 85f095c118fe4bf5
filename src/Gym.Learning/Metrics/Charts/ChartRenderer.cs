namespace Gym.Learning.Metrics.Charts;

/// <summary>Draws a <see cref="ChartLayout"/> onto a <see cref="RasterCanvas"/> and encodes it as PNG.</summary>
internal static class ChartRenderer
{
    /// <summary>The background.</summary>
    public static Rgb Background { get; } = new(0xFF, 0xFF, 0xFF);

    /// <summary>Texts: title, labels, tick labels, legend.</summary>
    public static Rgb Ink { get; } = new(0x22, 0x22, 0x22);

    private static readonly Rgb Grid = new(0xE6, 0xE6, 0xE6);
    private static readonly Rgb Frame = new(0x88, 0x88, 0x88);
    private static readonly Rgb LegendBorder = new(0xCC, 0xCC, 0xCC);
    private const double StrokeWidth = 2;
    private const double MarkerRadius = 3;

    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] RenderPng(ChartLayout layout)
    {
        var canvas = Render(layout);
        return PngEncoder.Encode(canvas.Width, canvas.Height, canvas.Pixels);
    }

    /// <summary>The chart as pixels.</summary>
    public static RasterCanvas Render(ChartLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var canvas = new RasterCanvas(layout.Width, layout.Height, Background);
        var data = layout.Data;
        var label = GlyphAtlas.Label;

        foreach (var tick in layout.X.Ticks)
        {
            var column = Column(tick.Pixel, data);
            canvas.FillRect(column, data.Top, column + 1, data.Bottom, Grid);
            canvas.FillRect(column, data.Bottom, column + 1, data.Bottom + ChartLayout.TickSize, Frame);
            var width = label.Measure(tick.Label);
            var x = Math.Clamp(tick.Pixel - (width / 2), 0, layout.Width - width);
            canvas.DrawText(label, tick.Label, x, layout.XTickLabelBaseline, Ink);
        }

        foreach (var tick in layout.Y.Ticks)
        {
            var row = Row(tick.Pixel, data);
            canvas.FillRect(data.Left, row, data.Right, row + 1, Grid);
            canvas.FillRect(data.Left - ChartLayout.TickSize, row, data.Left, row + 1, Frame);

            // Digits stand about 0.73 em tall: centre them on the tick.
            var baseline = row + (int)Math.Round(label.PixelSize * 0.73 / 2);
            canvas.DrawText(label, tick.Label, layout.YTickLabelRight - label.Measure(tick.Label), baseline, Ink);
        }

        // The frame: the data area's four edges, one pixel outside it.
        canvas.FillRect(data.Left - 1, data.Top - 1, data.Right + 1, data.Top, Frame);
        canvas.FillRect(data.Left - 1, data.Bottom, data.Right + 1, data.Bottom + 1, Frame);
        canvas.FillRect(data.Left - 1, data.Top, data.Left, data.Bottom, Frame);
        canvas.FillRect(data.Right, data.Top, data.Right + 1, data.Bottom, Frame);

        foreach (var series in layout.Series)
        {
            var mask = new CoverageMask(data.Left, data.Top, data.Width, data.Height);
            foreach (var run in series.Runs)
            {
                for (var i = 1; i < run.Count; i++)
                {
                    mask.AddSegment(run[i - 1].X, run[i - 1].Y, run[i].X, run[i].Y, StrokeWidth);
                }

                // A lone point has no segment: it always gets its marker.
                if (series.Markers || run.Count == 1)
                {
                    foreach (var (x, y) in run)
                    {
                        mask.AddDisc(x, y, MarkerRadius);
                    }
                }
            }

            canvas.Paint(mask, series.Colour);
        }

        DrawLegend(canvas, layout);

        var title = GlyphAtlas.Title;
        canvas.DrawText(title, layout.Title.Text, layout.Title.X, (int)layout.Title.Y, Ink);
        canvas.DrawText(label, layout.XLabel.Text, layout.XLabel.X, (int)layout.XLabel.Y, Ink);
        canvas.DrawTextUp(label, layout.YLabel.Text, (int)layout.YLabel.X, layout.YLabel.Y, Ink);
        return canvas;
    }

    private static void DrawLegend(RasterCanvas canvas, ChartLayout layout)
    {
        if (layout.Legend is not { } box)
        {
            return;
        }

        canvas.FillRect(box.Left, box.Top, box.Right, box.Top + 1, LegendBorder);
        canvas.FillRect(box.Left, box.Bottom - 1, box.Right, box.Bottom, LegendBorder);
        canvas.FillRect(box.Left, box.Top, box.Left + 1, box.Bottom, LegendBorder);
        canvas.FillRect(box.Right - 1, box.Top, box.Right, box.Bottom, LegendBorder);
        foreach (var entry in layout.LegendEntries)
        {
            if (entry.Colour is { } colour)
            {
                var mask = new CoverageMask(box.Left + 1, box.Top + 1, box.Width - 2, box.Height - 2);
                mask.AddSegment(entry.SampleLeft, entry.CentreY, entry.SampleRight, entry.CentreY, StrokeWidth);
                mask.AddDisc((entry.SampleLeft + entry.SampleRight) / 2, entry.CentreY, MarkerRadius);
                canvas.Paint(mask, colour);
            }

            canvas.DrawText(GlyphAtlas.Label, entry.Text.Text, entry.Text.X, (int)entry.Text.Y, Ink);
        }
    }

    private static int Column(double pixel, PixelRect data) => Math.Clamp((int)Math.Floor(pixel), data.Left, data.Right - 1);

    private static int Row(double pixel, PixelRect data) => Math.Clamp((int)Math.Floor(pixel), data.Top, data.Bottom - 1);
}
