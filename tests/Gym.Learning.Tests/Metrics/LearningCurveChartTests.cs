using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Gym.Learning.Metrics;
using Gym.Learning.Metrics.Charts;
using Gym.Learning.Tests.NativeFixup;
using Xunit;

namespace Gym.Learning.Tests.Metrics;

/// <summary>
/// Gym's own PNG line charts: the layout (read without drawing), the pixels, and the file as an
/// independent reader (python3's zlib, tests/Gym.Learning.Tests/Metrics/png_check.py) decodes it.
/// A machine without python3 fails the decoder test with a message saying so.
/// </summary>
public sealed class LearningCurveChartTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly CurveSeries[] ThreeRates =
    [
        new("train/success", [.. Enumerable.Range(0, 41).Select(s => ((double)s, 0.1 + (0.8 * (1 - Math.Exp(-s / 12.0)))))]),
        new("eval/success", [.. Enumerable.Range(0, 9).Select(i => (i * 5.0, 0.05 + (0.7 * (1 - Math.Exp(-i * 5 / 15.0)))))]),
        new("baseline/success", [.. Enumerable.Range(0, 41).Select(s => ((double)s, 0.3 + (0.01 * s)))]),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void A_short_run_gets_whole_step_ticks_only(int lastStep)
    {
        var points = Enumerable.Range(0, lastStep + 1).Select(s => ((double)s, s * 0.1)).ToList();

        var layout = LearningCurve.Layout("loss", "loss", [new CurveSeries("train/loss", points)], null);

        layout.X.Ticks.Should().NotBeEmpty();
        layout.X.Ticks.Should().OnlyContain(t => t.Value == Math.Round(t.Value) && t.Label == ((int)t.Value).ToString(System.Globalization.CultureInfo.InvariantCulture));
        layout.X.Ticks.Select(t => t.Value).Should().Contain([0.0, lastStep]);
    }

    [Fact]
    public void A_rate_axis_runs_from_zero_to_one_with_a_little_room_and_its_ticks_inside()
    {
        var layout = LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1));

        layout.Y.Min.Should().BeInRange(-0.05, -0.001);
        layout.Y.Max.Should().BeInRange(1.001, 1.05);
        layout.Y.Ticks.Select(t => t.Label).Should().Equal("0.0", "0.2", "0.4", "0.6", "0.8", "1.0");
        layout.Y.Ticks.Should().OnlyContain(t => t.Pixel > layout.Data.Top && t.Pixel < layout.Data.Bottom, "ticks at 0 and 1 sit inside the padded area");
    }

    [Fact]
    public void With_several_series_the_legend_sits_right_of_the_data_area()
    {
        var layout = LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1));

        var legend = layout.Legend.Should().NotBeNull().And.Subject.As<PixelRect>();
        legend.Overlaps(layout.Data).Should().BeFalse();
        legend.Left.Should().BeGreaterThan(layout.Data.Right);
        legend.Right.Should().BeLessThanOrEqualTo(layout.Width);
        layout.LegendEntries.Select(e => e.Label).Should().Equal("train/success", "eval/success", "baseline/success");
        layout.LegendEntries.Should().OnlyContain(e => e.Text.X + e.Text.Width <= legend.Right && e.CentreY > legend.Top && e.CentreY < legend.Bottom);
    }

    [Fact]
    public void One_series_has_no_legend_and_empty_series_are_left_out()
    {
        var layout = LearningCurve.Layout("loss", "loss", [new CurveSeries("train/loss", [(0, 1), (1, 0.5)]), new CurveSeries("eval/loss", [])], null);

        layout.Legend.Should().BeNull();
        layout.Series.Select(s => s.Name).Should().Equal("train/loss");
    }

    [Fact]
    public void Each_series_gets_its_own_colour()
    {
        var series = Enumerable.Range(0, 7).Select(i => new CurveSeries($"s{i}", [(0, i), (1, i + 1)])).ToList();

        var layout = LearningCurve.Layout("many", "value", series, null);

        layout.Series.Select(s => s.Colour).Should().OnlyHaveUniqueItems();
        layout.LegendEntries.Select(e => e.Colour).Should().Equal(layout.Series.Select(s => (Rgb?)s.Colour));
    }

    [Fact]
    public void A_legend_with_more_series_than_rows_ends_with_how_many_it_leaves_out()
    {
        var series = Enumerable.Range(0, 40).Select(i => new CurveSeries($"series {i}", [(0, i), (1, i + 1)])).ToList();

        var layout = LearningCurve.Layout("many", "value", series, null);

        var legend = layout.Legend!;
        legend.Bottom.Should().BeLessThanOrEqualTo(layout.Height, "the legend stays on the image");
        var last = layout.LegendEntries[^1];
        last.Label.Should().Be($"+{40 - (layout.LegendEntries.Count - 1)} more");
        last.Colour.Should().BeNull();
        layout.LegendEntries.SkipLast(1).Should().OnlyContain(e => e.Colour != null);
        layout.Series.Should().HaveCount(40, "every series is still drawn");
    }

    [Theory]
    [InlineData(120_000, 1_000)]
    [InlineData(10_000_000, 50_000)]
    [InlineData(40, 1)]
    public void Step_labels_of_long_runs_do_not_overlap(int lastStep, int every)
    {
        var points = Enumerable.Range(0, (lastStep / every) + 1).Select(i => ((double)i * every, Math.Log(1 + (i * every)))).ToList();

        var layout = LearningCurve.Layout("loss", "loss", [new CurveSeries("train/loss", points), new CurveSeries("eval/loss", points)], null);

        layout.X.Ticks.Count.Should().BeGreaterThanOrEqualTo(3);
        var label = GlyphAtlas.Label;
        foreach (var (left, right) in layout.X.Ticks.Zip(layout.X.Ticks.Skip(1)))
        {
            var gap = (right.Pixel - (label.Measure(right.Label) / 2)) - (left.Pixel + (label.Measure(left.Label) / 2));
            gap.Should().BeGreaterThanOrEqualTo(8, $"labels {left.Label} and {right.Label} must not crowd");
        }

        if (lastStep >= 10_000)
        {
            layout.X.Ticks.Should().Contain(t => t.Label.Contains(','), "large steps are written with thousands separators");
        }
    }

    [Fact]
    public void A_small_chart_still_gets_several_ticks_on_each_axis()
    {
        var layout = LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1), width: 360, height: 220);

        layout.X.Ticks.Count.Should().BeGreaterThanOrEqualTo(2);
        layout.Y.Ticks.Count.Should().BeGreaterThanOrEqualTo(2);
        layout.Legend!.Overlaps(layout.Data).Should().BeFalse();
    }

    [Fact]
    public void The_smallest_image_still_has_a_data_area_beside_a_legend_of_long_names()
    {
        var series = ThreeRates.Select(s => s with { Name = "a/rather/long/metric/name/" + s.Name }).ToList();

        var layout = LearningCurve.Layout("success rate", "success", series, (0, 1), ChartLayout.MinWidth, ChartLayout.MinHeight);

        layout.Data.Width.Should().BeGreaterThanOrEqualTo(ChartLayout.MinWidth * 4 / 10 - 1);
        layout.Legend!.Overlaps(layout.Data).Should().BeFalse();
        layout.X.Ticks.Count.Should().BeGreaterThanOrEqualTo(2);
        ChartRenderer.RenderPng(layout).Should().NotBeEmpty();
    }

    [Fact]
    public void Long_names_keep_both_ends()
    {
        var fitted = GlyphAtlas.Label.Fit("metric/with-a-rather-long-name-12", 120);

        fitted.Should().StartWith("metric/").And.EndWith("-12").And.Contain("...");
        GlyphAtlas.Label.Measure(fitted).Should().BeLessThanOrEqualTo(120);
        GlyphAtlas.Label.Fit("short", 120).Should().Be("short");
    }

    [Fact]
    public void One_point_gets_a_marker_on_a_real_axis()
    {
        var layout = LearningCurve.Layout("reward", "reward", [new CurveSeries("reward", [(3, 0.5)])], null);

        layout.X.Min.Should().BeLessThan(3);
        layout.X.Max.Should().BeGreaterThan(3);
        layout.X.Ticks.Select(t => t.Value).Should().Contain(3);
        layout.Y.Min.Should().BeLessThan(0.5);
        layout.Y.Max.Should().BeGreaterThan(0.5);
        layout.Series.Single().Runs.Single().Should().ContainSingle();
        PixelsOf(ChartRenderer.Render(layout), layout.Series.Single().Colour).Should().BeGreaterThan(10, "a lone point is drawn as its marker");
    }

    [Fact]
    public void A_flat_series_is_drawn_mid_height()
    {
        var layout = LearningCurve.Layout("flat", "value", [new CurveSeries("value", [(0, 2), (1, 2), (2, 2)])], null);

        layout.Y.Min.Should().BeLessThan(2);
        layout.Y.Max.Should().BeGreaterThan(2);
        layout.Y.Ticks.Count.Should().BeGreaterThanOrEqualTo(3);
        var y = layout.Series.Single().Runs.Single()[0].Y;
        y.Should().BeApproximately((layout.Data.Top + layout.Data.Bottom) / 2.0, 1);
    }

    [Fact]
    public void NaN_and_infinite_points_are_skipped_and_break_the_line()
    {
        CurveSeries[] series =
        [
            new("loss", [(0, 1), (1, double.NaN), (2, 0.5), (3, double.PositiveInfinity), (4, 0.25), (double.NaN, 9)]),
            new("diverged", [(0, double.NaN), (1, double.NegativeInfinity)]),
        ];

        var layout = LearningCurve.Layout("loss", "loss", series, null);

        layout.Series.Select(s => s.Name).Should().Equal(["loss"], "a series without a finite point is left out");
        layout.Series.Single().Runs.Select(r => r.Count).Should().Equal(1, 1, 1);
        layout.Y.Max.Should().BeLessThan(2, "the skipped points do not stretch the axis");
        layout.X.Max.Should().BeLessThan(5);
    }

    [Fact]
    public void Bad_sizes_and_ranges_fail_with_a_clear_message()
    {
        var tooSmall = () => LearningCurve.Layout("t", "y", ThreeRates, null, width: 100, height: 80);
        tooSmall.Should().Throw<ArgumentException>().WithMessage("*at least 300x200 pixels; 100x80*");
        var tooWide = () => LearningCurve.Layout("t", "y", [new CurveSeries("huge", [(0, -1e308), (1, 1e308)])], null);
        tooWide.Should().Throw<ArgumentException>().WithMessage("*span more than a double can hold*");
        var emptyRange = () => LearningCurve.Layout("t", "y", ThreeRates, (1, 1));
        emptyRange.Should().Throw<ArgumentException>().WithMessage("*min < max*");
    }

    [Fact]
    public void Title_axis_labels_and_tick_labels_are_drawn()
    {
        var layout = LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1));

        var canvas = ChartRenderer.Render(layout);

        var title = layout.Title;
        DarkPixels(canvas, (int)title.X, 0, (int)(title.X + title.Width), layout.Data.Top - 2).Should().BeGreaterThan(50, "the title is drawn in the band above the data area");
        DarkPixels(canvas, 0, 0, (int)title.X - 1, layout.Data.Top - 2).Should().Be(0, "nothing else is drawn left of the title");
        DarkPixels(canvas, 0, layout.Data.Top, layout.YTickLabelRight - 30, layout.Data.Bottom).Should().BeGreaterThan(20, "the y label is drawn left of the tick labels");
        DarkPixels(canvas, layout.Data.Left, layout.Data.Bottom + 6, layout.Data.Right, layout.Height).Should().BeGreaterThan(50, "tick labels and the x label are drawn below the data area");
    }

    [Fact]
    public void Characters_outside_the_atlas_draw_as_a_question_mark_and_Latin_1_is_inside()
    {
        GlyphAtlas.Label['\u65e5'].Should().BeSameAs(GlyphAtlas.Label['?']);
        GlyphAtlas.Title['\u2713'].Should().BeSameAs(GlyphAtlas.Title['?']);
        GlyphAtlas.Title['\u00b7'].Should().NotBeSameAs(GlyphAtlas.Title['?'], "gym train's titles use the middle dot");
        GlyphAtlas.Label['\u00e9'].Should().NotBeSameAs(GlyphAtlas.Label['?'], "Latin-1 is in the atlas");
        var path = Path.Combine(_dir.Path, "unicode.png");

        LearningCurve.Save(path, "na\u00efve \u2713 \u65e5\u672c", "r\u00e9ward", [new CurveSeries("\U0001F600", [(0, 1), (1, 2)])]);

        new FileInfo(path).Length.Should().BeGreaterThan(1000);
    }

    [Fact]
    public void The_same_curves_write_the_same_bytes()
    {
        var first = ChartRenderer.RenderPng(LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1)));
        var second = ChartRenderer.RenderPng(LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1)));

        first.Should().Equal(second);
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        PngEncoder.Crc32("123456789"u8).Should().Be(0xCBF43926u);
    }

    [Fact]
    public async Task The_png_file_decodes_with_an_independent_reader_and_shows_every_series_colour()
    {
        var path = Path.Combine(_dir.Path, "curves", "learning-curve.png");
        LearningCurve.Save(path, "success rate", "success", ThreeRates, (0, 1), width: 640, height: 360);
        var colours = LearningCurve.Layout("success rate", "success", ThreeRates, (0, 1), 640, 360).Series.Select(s => s.Colour.ToString()[1..]).ToList();

        var output = await RunPythonAsync([PngCheckScript, path, .. colours, "FFFFFF"]);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("size 640x360");
        var counts = lines.Skip(1).Select(l => l.Split(' ')).ToDictionary(p => p[1], p => int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture));
        colours.Should().OnlyContain(c => counts[c] > 100, "every series' line is drawn in its own colour");
        counts["FFFFFF"].Should().BeGreaterThan(640 * 360 / 2, "the background is white");
    }

    [Fact]
    public void No_SkiaSharp_HarfBuzz_or_ScottPlot_package_is_restored()
    {
        // The package graph NuGet resolved for this project (it includes Gym.Learning's and TorchSharp's):
        // these packages cost 183 MB of a first restore and nothing here draws with them.
        var assets = Path.Combine(Path.GetDirectoryName(ShimFiles.TestProject)!, "obj", "project.assets.json");
        using var json = JsonDocument.Parse(File.ReadAllText(assets));

        var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToList();

        libraries.Should().Contain(l => l.StartsWith("TorchSharp/", StringComparison.OrdinalIgnoreCase));
        libraries.Should().NotContain(l => l.StartsWith("SkiaSharp", StringComparison.OrdinalIgnoreCase)
            || l.StartsWith("HarfBuzzSharp", StringComparison.OrdinalIgnoreCase)
            || l.StartsWith("ScottPlot", StringComparison.OrdinalIgnoreCase));
    }

    private static string PngCheckScript => Path.Combine(Path.GetDirectoryName(ShimFiles.TestProject)!, "Metrics", "png_check.py");

    private static int PixelsOf(RasterCanvas canvas, Rgb colour)
    {
        var count = 0;
        for (var y = 0; y < canvas.Height; y++)
        {
            for (var x = 0; x < canvas.Width; x++)
            {
                count += canvas[x, y] == colour ? 1 : 0;
            }
        }

        return count;
    }

    private static int DarkPixels(RasterCanvas canvas, int x0, int y0, int x1, int y1)
    {
        var count = 0;
        for (var y = Math.Max(0, y0); y < Math.Min(canvas.Height, y1); y++)
        {
            for (var x = Math.Max(0, x0); x < Math.Min(canvas.Width, x1); x++)
            {
                var p = canvas[x, y];
                count += p.R + p.G + p.B < 3 * 128 ? 1 : 0;
            }
        }

        return count;
    }

    private static async Task<string> RunPythonAsync(string[] args)
    {
        var python = File.Exists("/usr/bin/python3")
            ? "/usr/bin/python3"
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "python3"))
                .FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("python3 was not found (looked for /usr/bin/python3 and python3 on PATH): the PNG decoder test needs it. Install python3.");
        var info = new ProcessStartInfo(python)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"python3 png_check.py did not finish in 120 s\n{await stderr}");
        }

        process.ExitCode.Should().Be(0, $"png_check.py should accept the file: {await stderr}");
        return await stdout;
    }
}
