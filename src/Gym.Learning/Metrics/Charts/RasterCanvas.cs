namespace Gym.Learning.Metrics.Charts;

/// <summary>An 8-bit sRGB colour.</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>The colour written as #RRGGBB.</summary>
    public override string ToString() => $"#{R:X2}{G:X2}{B:X2}";
}

/// <summary>
/// An RGB pixel buffer with the few operations a line chart needs: crisp 1-px rules, text from the
/// glyph atlas, and anti-aliased strokes painted through a <see cref="CoverageMask"/>.
/// </summary>
internal sealed class RasterCanvas
{
    private readonly byte[] _rgb;

    /// <summary>A canvas filled with <paramref name="background"/>.</summary>
    public RasterCanvas(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        FillRect(0, 0, width, height, background);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels, row by row, 3 bytes each.</summary>
    public ReadOnlySpan<byte> Pixels => _rgb;

    /// <summary>The colour at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public Rgb this[int x, int y] => new(_rgb[((y * Width) + x) * 3], _rgb[((y * Width) + x) * 3 + 1], _rgb[((y * Width) + x) * 3 + 2]);

    /// <summary>Fills the half-open rectangle [x0, x1) x [y0, y1), clipped to the canvas.</summary>
    public void FillRect(int x0, int y0, int x1, int y1, Rgb colour)
    {
        for (var y = Math.Max(0, y0); y < Math.Min(Height, y1); y++)
        {
            for (var x = Math.Max(0, x0); x < Math.Min(Width, x1); x++)
            {
                Blend(x, y, colour, 1);
            }
        }
    }

    /// <summary>Mixes <paramref name="colour"/> into one pixel with opacity <paramref name="alpha"/> (0 to 1); off-canvas pixels are ignored.</summary>
    public void Blend(int x, int y, Rgb colour, double alpha)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height || alpha <= 0)
        {
            return;
        }

        var i = ((y * Width) + x) * 3;
        if (alpha >= 1)
        {
            (_rgb[i], _rgb[i + 1], _rgb[i + 2]) = (colour.R, colour.G, colour.B);
            return;
        }

        _rgb[i] = Mix(_rgb[i], colour.R, alpha);
        _rgb[i + 1] = Mix(_rgb[i + 1], colour.G, alpha);
        _rgb[i + 2] = Mix(_rgb[i + 2], colour.B, alpha);
    }

    /// <summary>Draws <paramref name="text"/> with its pen starting at <paramref name="x"/> on the baseline <paramref name="baseline"/>.</summary>
    public void DrawText(GlyphFace face, string text, double x, int baseline, Rgb colour)
    {
        var pen = x;
        foreach (var c in text)
        {
            var glyph = face[c];
            var left = (int)Math.Round(pen) + glyph.Left;
            for (var j = 0; j < glyph.Height; j++)
            {
                for (var i = 0; i < glyph.Width; i++)
                {
                    Blend(left + i, baseline + glyph.Top + j, colour, glyph.Alpha[(j * glyph.Width) + i] / 255.0);
                }
            }

            pen += glyph.Advance;
        }
    }

    /// <summary>
    /// Draws <paramref name="text"/> turned a quarter left (read bottom to top, as y axis labels are),
    /// with its baseline on the column <paramref name="baseline"/> and its pen starting at row <paramref name="y"/>.
    /// </summary>
    public void DrawTextUp(GlyphFace face, string text, int baseline, double y, Rgb colour)
    {
        var pen = y;
        foreach (var c in text)
        {
            var glyph = face[c];
            var left = (int)Math.Round(pen) - glyph.Left;
            for (var j = 0; j < glyph.Height; j++)
            {
                for (var i = 0; i < glyph.Width; i++)
                {
                    // Glyph (i right, j down) becomes (up, right): x grows with j, y shrinks with i.
                    Blend(baseline + glyph.Top + j, left - i, colour, glyph.Alpha[(j * glyph.Width) + i] / 255.0);
                }
            }

            pen -= glyph.Advance;
        }
    }

    /// <summary>Paints <paramref name="colour"/> through <paramref name="mask"/>, each pixel at the mask's coverage.</summary>
    public void Paint(CoverageMask mask, Rgb colour)
    {
        for (var y = 0; y < mask.Height; y++)
        {
            for (var x = 0; x < mask.Width; x++)
            {
                Blend(mask.Left + x, mask.Top + y, colour, mask[x, y]);
            }
        }
    }

    private static byte Mix(byte under, byte over, double alpha) => (byte)Math.Round(under + ((over - under) * alpha));
}

/// <summary>
/// Anti-aliased coverage (0 to 1) over a clip rectangle. Strokes and discs take the maximum with what
/// is there, so a polyline's joints are not painted twice (no dark knots where segments overlap).
/// </summary>
internal sealed class CoverageMask
{
    private readonly float[] _coverage;

    /// <summary>An empty mask over the rectangle at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public CoverageMask(int left, int top, int width, int height)
    {
        (Left, Top, Width, Height) = (left, top, Math.Max(0, width), Math.Max(0, height));
        _coverage = new float[Width * Height];
    }

    /// <summary>Canvas column of the mask's first column.</summary>
    public int Left { get; }

    /// <summary>Canvas row of the mask's first row.</summary>
    public int Top { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Coverage of the mask pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public float this[int x, int y] => _coverage[(y * Width) + x];

    /// <summary>A stroke <paramref name="width"/> pixels wide from (x0, y0) to (x1, y1), canvas coordinates, round caps.</summary>
    public void AddSegment(double x0, double y0, double x1, double y1, double width)
    {
        var half = width / 2;
        var (dx, dy) = (x1 - x0, y1 - y0);
        var lengthSquared = (dx * dx) + (dy * dy);
        Cover(Math.Min(x0, x1) - half, Math.Min(y0, y1) - half, Math.Max(x0, x1) + half, Math.Max(y0, y1) + half, (px, py) =>
        {
            // Coverage from the distance of the pixel centre to the segment: a 1-px ramp at the edge.
            var t = lengthSquared == 0 ? 0 : Math.Clamp((((px - x0) * dx) + ((py - y0) * dy)) / lengthSquared, 0, 1);
            var (ex, ey) = (px - (x0 + (t * dx)), py - (y0 + (t * dy)));
            return half + 0.5 - Math.Sqrt((ex * ex) + (ey * ey));
        });
    }

    /// <summary>A filled disc of <paramref name="radius"/> pixels centred on (cx, cy), canvas coordinates.</summary>
    public void AddDisc(double cx, double cy, double radius) =>
        Cover(cx - radius, cy - radius, cx + radius, cy + radius, (px, py) =>
            radius + 0.5 - Math.Sqrt(((px - cx) * (px - cx)) + ((py - cy) * (py - cy))));

    private void Cover(double minX, double minY, double maxX, double maxY, Func<double, double, double> coverageAt)
    {
        var x0 = Math.Max(Left, (int)Math.Floor(minX) - 1);
        var y0 = Math.Max(Top, (int)Math.Floor(minY) - 1);
        var x1 = Math.Min(Left + Width - 1, (int)Math.Ceiling(maxX) + 1);
        var y1 = Math.Min(Top + Height - 1, (int)Math.Ceiling(maxY) + 1);
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var coverage = (float)Math.Clamp(coverageAt(x + 0.5, y + 0.5), 0, 1);
                ref var cell = ref _coverage[((y - Top) * Width) + (x - Left)];
                cell = Math.Max(cell, coverage);
            }
        }
    }
}
