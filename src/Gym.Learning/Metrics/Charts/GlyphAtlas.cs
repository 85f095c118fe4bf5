using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gym.Learning.Metrics.Charts;

/// <summary>One glyph's coverage bitmap, placed relative to the pen position on the baseline.</summary>
/// <param name="Advance">How far the pen moves after the glyph, in pixels.</param>
/// <param name="Left">Bitmap left edge relative to the pen.</param>
/// <param name="Top">Bitmap top edge relative to the baseline (negative: above it).</param>
/// <param name="Width">Bitmap width.</param>
/// <param name="Height">Bitmap height.</param>
/// <param name="Alpha">Coverage, row by row, 0 (none) to 255 (full).</param>
internal sealed record Glyph(double Advance, int Left, int Top, int Width, int Height, byte[] Alpha);

/// <summary>One face at one pixel size: printable ASCII and Latin-1 and common punctuation, pre-rasterized from DejaVu Sans.</summary>
internal sealed class GlyphFace
{
    private readonly Dictionary<char, Glyph> _glyphs;
    private readonly Glyph _replacement;

    internal GlyphFace(int pixelSize, double ascent, double descent, Dictionary<char, Glyph> glyphs)
    {
        PixelSize = pixelSize;
        Ascent = ascent;
        Descent = descent;
        _glyphs = glyphs;
        _replacement = glyphs['?'];
    }

    /// <summary>The em size in pixels.</summary>
    public int PixelSize { get; }

    /// <summary>Height above the baseline that the tallest glyphs reach.</summary>
    public double Ascent { get; }

    /// <summary>Depth below the baseline that descenders reach.</summary>
    public double Descent { get; }

    /// <summary>Pixels one line of text takes.</summary>
    public int LineHeight => (int)Math.Ceiling(Ascent + Descent);

    /// <summary>The glyph for <paramref name="c"/>; characters the atlas lacks draw as '?'.</summary>
    public Glyph this[char c] => _glyphs.TryGetValue(c, out var glyph) ? glyph : _replacement;

    /// <summary>The advance width of <paramref name="text"/>, in pixels.</summary>
    public double Measure(string text) => text.Sum(c => this[c].Advance);

    /// <summary>
    /// <paramref name="text"/>, or where it is wider than <paramref name="maxWidth"/> its start and end
    /// joined by "...": metric names differ at either end (train/success, eval/success; name-1, name-2).
    /// </summary>
    public string Fit(string text, double maxWidth)
    {
        if (Measure(text) <= maxWidth)
        {
            return text;
        }

        for (var keep = text.Length - 1; keep > 0; keep--)
        {
            var head = text[..((keep + 1) / 2)];
            var tail = text[(text.Length - (keep / 2))..];
            if (Measure(head + "..." + tail) <= maxWidth)
            {
                return head + "..." + tail;
            }
        }

        return "...";
    }
}

/// <summary>
/// The two text faces of the charts (labels 13 px, titles 16 px bold), read once from the embedded
/// atlas that tools/chart-font/generate.mjs rasterized from DejaVu Sans: no font rasterizer at run time.
/// </summary>
internal static class GlyphAtlas
{
    private const string ResourceName = "Gym.Learning.Metrics.Charts.dejavu-sans-atlas.json";
    private static readonly Lazy<(GlyphFace Label, GlyphFace Title)> Faces = new(Load);

    /// <summary>Tick labels, axis labels and the legend.</summary>
    public static GlyphFace Label => Faces.Value.Label;

    /// <summary>The chart title.</summary>
    public static GlyphFace Title => Faces.Value.Title;

    private static (GlyphFace, GlyphFace) Load()
    {
        using var stream = typeof(GlyphAtlas).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The chart glyph atlas resource '{ResourceName}' is missing from Gym.Learning.");
        var file = JsonSerializer.Deserialize<AtlasFile>(stream)
            ?? throw new InvalidOperationException($"The chart glyph atlas resource '{ResourceName}' is empty.");
        var faces = file.Faces.ToDictionary(f => f.Name, ToFace);
        return (faces["label"], faces["title"]);
    }

    private static GlyphFace ToFace(AtlasFace face) => new(
        face.PixelSize,
        face.Ascent,
        face.Descent,
        face.Glyphs.ToDictionary(g => g.Char[0], g => new Glyph(g.Advance, g.X, g.Y, g.W, g.H, Convert.FromBase64String(g.Alpha))));

    private sealed record AtlasFile([property: JsonPropertyName("faces")] IReadOnlyList<AtlasFace> Faces);

    private sealed record AtlasFace(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("pixelSize")] int PixelSize,
        [property: JsonPropertyName("ascent")] double Ascent,
        [property: JsonPropertyName("descent")] double Descent,
        [property: JsonPropertyName("glyphs")] IReadOnlyList<AtlasGlyph> Glyphs);

    private sealed record AtlasGlyph(
        [property: JsonPropertyName("char")] string Char,
        [property: JsonPropertyName("advance")] double Advance,
        [property: JsonPropertyName("x")] int X,
        [property: JsonPropertyName("y")] int Y,
        [property: JsonPropertyName("w")] int W,
        [property: JsonPropertyName("h")] int H,
        [property: JsonPropertyName("alpha")] string Alpha);
}
