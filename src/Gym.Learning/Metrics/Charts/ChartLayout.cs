namespace Gym.Learning.Metrics.Charts;

/// <summary>A pixel rectangle: columns [Left, Right), rows [Top, Bottom).</summary>
/// <param name="Left">First column.</param>
/// <param name="Top">First row.</param>
/// <param name="Right">Column after the last.</param>
/// <param name="Bottom">Row after the last.</param>
internal sealed record PixelRect(int Left, int Top, int Right, int Bottom)
{
    /// <summary>Width in pixels.</summary>
    public int Width => Right - Left;

    /// <summary>Height in pixels.</summary>
    public int Height => Bottom - Top;

    /// <summary>Whether the two rectangles share a pixel.</summary>
    public bool Overlaps(PixelRect other) => Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;
}

/// <summary>An axis: the data range the data area spans and its labelled ticks.</summary>
/// <param name="Min">Data value at the data area's left (x) or bottom (y) edge.</param>
/// <param name="Max">Data value at the right (x) or top (y) edge.</param>
/// <param name="Ticks">The ticks, ascending, all inside [Min, Max].</param>
internal sealed record AxisLayout(double Min, double Max, IReadOnlyList<Tick> Ticks);

/// <summary>A line of text: pen start and baseline (for a turned label: baseline column and pen row).</summary>
/// <param name="Text">The text, already cut to fit.</param>
/// <param name="X">Pen start column (turned: the baseline column).</param>
/// <param name="Y">Baseline row (turned: the pen start row, drawn upwards).</param>
/// <param name="Width">Advance width of the text.</param>
internal sealed record TextPlacement(string Text, double X, double Y, double Width);

/// <summary>One legend row: a stroke sample with a marker, then the series name.</summary>
/// <param name="Label">The series name, cut to fit (or "+N more" for the series that did not fit).</param>
/// <param name="Colour">The series colour; null for the "+N more" row, which has no sample.</param>
/// <param name="SampleLeft">Sample stroke start column.</param>
/// <param name="SampleRight">Sample stroke end column.</param>
/// <param name="CentreY">Row of the sample stroke.</param>
/// <param name="Text">Where the name is drawn.</param>
internal sealed record LegendEntry(string Label, Rgb? Colour, double SampleLeft, double SampleRight, double CentreY, TextPlacement Text);

/// <summary>A series in canvas coordinates: runs of consecutive finite points (a NaN or infinity breaks the line).</summary>
/// <param name="Name">The series name.</param>
/// <param name="Colour">Its colour.</param>
/// <param name="Runs">Point runs, each drawn as one polyline.</param>
/// <param name="Markers">Whether each point gets a marker (not when points are closer than a marker).</param>
internal sealed record SeriesPath(string Name, Rgb Colour, IReadOnlyList<IReadOnlyList<(double X, double Y)>> Runs, bool Markers);

/// <summary>One line of a chart: its legend name and its (x, y) points in order.</summary>
/// <param name="Name">The legend label.</param>
/// <param name="Points">The points; NaN or infinite ones are skipped and break the line.</param>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>What a line chart shows: the input of <see cref="ChartLayout.Compute"/>.</summary>
/// <param name="Title">Chart title.</param>
/// <param name="XLabel">Horizontal axis label.</param>
/// <param name="YLabel">Vertical axis label.</param>
/// <param name="Series">The lines; those without a finite point are left out.</param>
/// <param name="YRange">Fixed y limits (drawn with a little room, ticks inside them), or null to fit the data.</param>
/// <param name="IntegerX">Whether x ticks must be whole numbers (steps).</param>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
internal sealed record ChartSpec(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series, (double Min, double Max)? YRange, bool IntegerX, int Width, int Height);

/// <summary>
/// Where everything of a line chart goes, in pixels, computed without drawing anything: the data area,
/// both axes with their ticks, the texts, the legend (right of the data area, never over it) and every
/// series' path. <see cref="ChartRenderer"/> draws exactly this; tests read it.
/// </summary>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
/// <param name="Data">The data area.</param>
/// <param name="X">The horizontal axis.</param>
/// <param name="Y">The vertical axis.</param>
/// <param name="Title">The title line.</param>
/// <param name="XLabel">The x axis label.</param>
/// <param name="YLabel">The y axis label (turned, read bottom to top).</param>
/// <param name="Legend">The legend box; null with fewer than two series.</param>
/// <param name="LegendEntries">The legend rows.</param>
/// <param name="Series">The series drawn, in order, with their colours.</param>
internal sealed record ChartLayout(
    int Width,
    int Height,
    PixelRect Data,
    AxisLayout X,
    AxisLayout Y,
    TextPlacement Title,
    TextPlacement XLabel,
    TextPlacement YLabel,
    PixelRect? Legend,
    IReadOnlyList<LegendEntry> LegendEntries,
    IReadOnlyList<SeriesPath> Series)
{
    private const int Margin = 10;

    /// <summary>The smallest image a chart is drawn on.</summary>
    public const int MinWidth = 300;

    /// <summary>The smallest image height.</summary>
    public const int MinHeight = 200;
    private const int TickLength = 5;
    private const int MinXTickSpacing = 60;
    private const int MinYTickSpacing = 45;

    /// <summary>
    /// The Okabe–Ito palette (colour-blind safe) without its yellow, too pale on white; a ninth
    /// series starts over.
    /// </summary>
    public static IReadOnlyList<Rgb> Palette { get; } =
    [
        new(0x00, 0x72, 0xB2), // blue
        new(0xD5, 0x5E, 0x00), // vermillion
        new(0x00, 0x9E, 0x73), // bluish green
        new(0xCC, 0x79, 0xA7), // reddish purple
        new(0xE6, 0x9F, 0x00), // orange
        new(0x56, 0xB4, 0xE9), // sky blue
        new(0x00, 0x00, 0x00), // black
    ];

    /// <summary>Lays out <paramref name="spec"/>.</summary>
    /// <exception cref="ArgumentException">The size is too small for a chart, or the fixed y range is empty or not finite.</exception>
    public static ChartLayout Compute(ChartSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(spec.Series);
        if (spec.Width < MinWidth || spec.Height < MinHeight)
        {
            throw new ArgumentException($"A chart needs at least {MinWidth}x{MinHeight} pixels; {spec.Width}x{spec.Height} was asked for.", nameof(spec));
        }

        if (spec.YRange is { } fixedRange && !(double.IsFinite(fixedRange.Min) && double.IsFinite(fixedRange.Max) && fixedRange.Min < fixedRange.Max))
        {
            throw new ArgumentException($"The y range must be finite with min < max; got [{fixedRange.Min}, {fixedRange.Max}].", nameof(spec));
        }

        var label = GlyphAtlas.Label;
        var titleFace = GlyphAtlas.Title;
        var shown = spec.Series.Where(s => s.Points.Any(IsFinite)).ToList();
        var points = shown.SelectMany(s => s.Points.Where(IsFinite)).ToList();

        // Rows, top to bottom: title, data area, tick labels, x label.
        var titleBaseline = Margin + (int)Math.Ceiling(titleFace.Ascent);
        var dataTop = titleBaseline + (int)Math.Ceiling(titleFace.Descent) + 12;
        var xLabelBaseline = spec.Height - Margin - (int)Math.Ceiling(label.Descent);
        var dataBottom = xLabelBaseline - (int)Math.Ceiling(label.Ascent) - 6 - label.LineHeight - TickLength - 3;

        // The y axis first: its tick labels' width decides where the data area starts.
        var (yMin, yMax, yTickMin, yTickMax) = YRange(spec.YRange, points.Select(p => p.Y).ToList());
        if (!double.IsFinite(yMax - yMin) || (points.Count > 0 && !double.IsFinite(points.Max(p => p.X) - points.Min(p => p.X))))
        {
            throw new ArgumentException("The points span more than a double can hold (values near ±1.8e308); nothing can be drawn to scale.", nameof(spec));
        }

        // The smallest nice step that leaves MinYTickSpacing pixels between ticks (less on a small image,
        // which still gets at least two ticks).
        var yPixelsPerUnit = (dataBottom - dataTop) / (yMax - yMin);
        var yStep = AxisTicks.StepsFrom((yTickMax - yTickMin) / 100, integersOnly: false).First(step => step * yPixelsPerUnit >= Math.Min(MinYTickSpacing, (dataBottom - dataTop) / 2.5));
        var yValues = AxisTicks.Multiples(yTickMin, yTickMax, yStep);
        var yLabels = yValues.Select(v => AxisTicks.Format(v, yStep)).ToList();
        var yLabelWidth = yLabels.Count == 0 ? 0 : yLabels.Max(label.Measure);

        var yLabelColumn = Margin + (int)Math.Ceiling(label.Ascent);
        var dataLeft = yLabelColumn + (int)Math.Ceiling(label.Descent) + 8 + (int)Math.Ceiling(yLabelWidth) + TickLength + 4;

        // The legend sits right of the data area: inside, it would cover the last points, the ones a reader looks at first.
        PixelRect? legend = null;
        var legendEntries = new List<LegendEntry>();
        int dataRight;
        if (shown.Count > 1)
        {
            const int padding = 10, sample = 24, gap = 6;
            var rowHeight = label.LineHeight + 4;

            // As many rows as fit between the data area's top and the image's bottom; past that, the
            // last row says how many series it leaves out instead of running off the image.
            var maxRows = Math.Max(1, (spec.Height - Margin - dataTop - 12) / rowHeight);
            var listed = shown.Count <= maxRows ? shown.Count : maxRows - 1;
            // Names take at most a quarter of the width, and less on a small image, where the data
            // area keeps 40% of it.
            var nameWidth = Math.Max(24, Math.Min(spec.Width * 0.25, spec.Width - Margin - dataLeft - 20 - (2 * padding) - sample - gap - (spec.Width * 0.4)));
            var names = shown.Take(listed).Select(s => label.Fit(s.Name, nameWidth)).ToList();
            var more = shown.Count > listed ? $"+{shown.Count - listed} more" : null;
            var textWidth = names.Append(more ?? "").Max(label.Measure);
            var legendWidth = padding + sample + gap + (int)Math.Ceiling(textWidth) + padding;
            var legendLeft = spec.Width - Margin - legendWidth;
            var rows = names.Count + (more is null ? 0 : 1);
            legend = new PixelRect(legendLeft, dataTop, spec.Width - Margin, dataTop + (2 * 6) + (rowHeight * rows));
            for (var i = 0; i < rows; i++)
            {
                var baseline = dataTop + 6 + (rowHeight * i) + 2 + (int)Math.Ceiling(label.Ascent * 0.85);
                var name = i < names.Count ? names[i] : more!;
                var text = new TextPlacement(name, legendLeft + padding + sample + gap, baseline, label.Measure(name));
                Rgb? colour = i < names.Count ? Palette[i % Palette.Count] : null;
                legendEntries.Add(new LegendEntry(name, colour, legendLeft + padding, legendLeft + padding + sample, baseline - 4.5, text));
            }

            dataRight = legendLeft - 20;
        }
        else
        {
            dataRight = spec.Width - Margin - 16;
        }

        var data = new PixelRect(dataLeft, dataTop, dataRight, dataBottom);
        if (data.Width < 40 || data.Height < 40)
        {
            throw new ArgumentException($"{spec.Width}x{spec.Height} pixels leave no room for the data area (labels and legend take it all).", nameof(spec));
        }

        var yAxis = new AxisLayout(yMin, yMax, [.. yValues.Select((v, i) => new Tick(v, yLabels[i], MapY(v, yMin, yMax, data)))]);
        var xAxis = XAxis(spec.IntegerX, points.Select(p => p.X).ToList(), data, label);

        var series = shown.Select((s, i) => ToPath(s, Palette[i % Palette.Count], xAxis, yAxis, data)).ToList();

        var title = titleFace.Fit(spec.Title, spec.Width - (2 * Margin));
        var titleWidth = titleFace.Measure(title);
        var titleX = Math.Clamp(data.Left + ((data.Width - titleWidth) / 2), Margin, spec.Width - Margin - titleWidth);
        var xLabelText = label.Fit(spec.XLabel, data.Width);
        var xLabelWidth = label.Measure(xLabelText);
        var yLabelText = label.Fit(spec.YLabel, data.Height);
        var yTitleWidth = label.Measure(yLabelText);

        return new ChartLayout(
            spec.Width,
            spec.Height,
            data,
            xAxis,
            yAxis,
            new TextPlacement(title, titleX, titleBaseline, titleWidth),
            new TextPlacement(xLabelText, data.Left + ((data.Width - xLabelWidth) / 2), xLabelBaseline, xLabelWidth),
            new TextPlacement(yLabelText, yLabelColumn, data.Top + ((data.Height + yTitleWidth) / 2), yTitleWidth),
            legend,
            legendEntries,
            series);
    }

    /// <summary>The baseline row of the x tick labels.</summary>
    public int XTickLabelBaseline => Data.Bottom + TickLength + 3 + (int)Math.Ceiling(GlyphAtlas.Label.Ascent * 0.85);

    /// <summary>The column where the y tick labels end (they are right-aligned to it).</summary>
    public int YTickLabelRight => Data.Left - TickLength - 4;

    /// <summary>Length of the tick marks outside the data area.</summary>
    public static int TickSize => TickLength;

    private static bool IsFinite((double X, double Y) p) => double.IsFinite(p.X) && double.IsFinite(p.Y);

    private static (double Min, double Max, double TickMin, double TickMax) YRange((double Min, double Max)? fixedRange, List<double> values)
    {
        if (fixedRange is { } range)
        {
            // A little room so markers at exactly 0 or 1 are not cut in half; the ticks stay inside the range.
            var pad = (range.Max - range.Min) * 0.03;
            return (range.Min - pad, range.Max + pad, range.Min, range.Max);
        }

        var (min, max) = values.Count == 0 ? (0.0, 1.0) : (values.Min(), values.Max());
        if (min == max)
        {
            // A flat line: a band around it, so it is drawn mid-height with ticks above and below.
            var half = Math.Max(Math.Abs(min) * 0.1, 0.5);
            (min, max) = (min - half, max + half);
        }

        var margin = (max - min) * 0.05;
        return (min - margin, max + margin, min - margin, max + margin);
    }

    private static AxisLayout XAxis(bool integers, List<double> steps, PixelRect data, GlyphFace label)
    {
        var (min, max) = steps.Count == 0 ? (0.0, 1.0) : (steps.Min(), steps.Max());
        if (min == max)
        {
            (min, max) = (min - 1, max + 1);
        }
        else
        {
            // Room for the first and last markers.
            var pad = (max - min) * 0.02;
            (min, max) = (min - pad, max + pad);
        }

        // The smallest nice step whose ticks are MinXTickSpacing pixels apart (less on a small image,
        // which still gets at least two ticks) and whose labels do not crowd: at least the widest
        // label plus a gap apart.
        foreach (var step in AxisTicks.StepsFrom((max - min) / 100, integers))
        {
            var spacing = step / (max - min) * data.Width;
            if (spacing < Math.Min(MinXTickSpacing, data.Width / 2.5))
            {
                continue;
            }

            var values = AxisTicks.Multiples(min, max, step);
            var labels = values.Select(v => AxisTicks.Format(v, step)).ToList();
            if (labels.Count <= 1 || spacing >= labels.Max(label.Measure) + 16)
            {
                return new AxisLayout(min, max, [.. values.Select((v, i) => new Tick(v, labels[i], MapX(v, min, max, data)))]);
            }
        }

        return new AxisLayout(min, max, []);
    }

    private static SeriesPath ToPath(ChartSeries series, Rgb colour, AxisLayout x, AxisLayout y, PixelRect data)
    {
        var runs = new List<IReadOnlyList<(double, double)>>();
        var run = new List<(double, double)>();
        foreach (var point in series.Points)
        {
            if (IsFinite(point))
            {
                run.Add((MapX(point.X, x.Min, x.Max, data), MapY(point.Y, y.Min, y.Max, data)));
            }
            else if (run.Count > 0)
            {
                runs.Add(run);
                run = [];
            }
        }

        if (run.Count > 0)
        {
            runs.Add(run);
        }

        var count = runs.Sum(r => r.Count);
        return new SeriesPath(series.Name, colour, runs, Markers: count <= data.Width / 8);
    }

    private static double MapX(double value, double min, double max, PixelRect data) => data.Left + ((value - min) / (max - min) * data.Width);

    private static double MapY(double value, double min, double max, PixelRect data) => data.Bottom - ((value - min) / (max - min) * data.Height);
}
