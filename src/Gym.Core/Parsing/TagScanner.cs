using System.Text.RegularExpressions;

namespace Gym.Core.Parsing;

/// <summary>
/// Finds top-level <c>&lt;tag&gt;…&lt;/tag&gt;</c> blocks for a fixed set of tag names. Tags outside
/// the set are ordinary text (models write HTML and maths with angle brackets). Known tags must be
/// closed and must not nest; each violation is reported with its position.
/// </summary>
internal static partial class TagScanner
{
    [GeneratedRegex(@"<(/?)([A-Za-z_][A-Za-z0-9_\-]*)((?:\s+[A-Za-z_][A-Za-z0-9_\-]*\s*=\s*(?:""[^""]*""|'[^']*'))*)\s*>", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_\-]*)\s*=\s*(?:""([^""]*)""|'([^']*)')", RegexOptions.CultureInvariant)]
    private static partial Regex AttributePattern();

    /// <summary>Scans <paramref name="text"/>; returns the segments and the first structural error, if any.</summary>
    public static (List<TagSegment> Segments, string? Error) Scan(string text, IReadOnlySet<string> knownTags)
    {
        var segments = new List<TagSegment>();
        (string Name, int Start, int ContentStart, IReadOnlyDictionary<string, string> Attributes)? open = null;
        foreach (Match match in TagPattern().Matches(text))
        {
            var name = match.Groups[2].Value.ToLowerInvariant();
            if (!knownTags.Contains(name))
            {
                continue;
            }

            var closing = match.Groups[1].Length == 1;
            if (!closing)
            {
                if (open is { } outer)
                {
                    return (segments, $"<{name}> at character {match.Index + 1} is inside <{outer.Name}> (opened at character {outer.Start + 1}); close </{outer.Name}> first, tags do not nest");
                }

                open = (name, match.Index, match.Index + match.Length, ParseAttributes(match.Groups[3].Value));
            }
            else if (open is not { } current)
            {
                return (segments, $"</{name}> at character {match.Index + 1} closes a tag that was never opened");
            }
            else if (current.Name != name)
            {
                return (segments, $"</{name}> at character {match.Index + 1} does not match <{current.Name}> opened at character {current.Start + 1}");
            }
            else
            {
                var content = text[current.ContentStart..match.Index].Trim();
                segments.Add(new TagSegment(name, content, current.Attributes, current.Start));
                open = null;
            }
        }

        return open is { } unclosed
            ? (segments, $"<{unclosed.Name}> at character {unclosed.Start + 1} is never closed with </{unclosed.Name}>")
            : (segments, null);
    }

    // Most tags have no attributes: they share one empty, read-only table.
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();

    private static IReadOnlyDictionary<string, string> ParseAttributes(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return NoAttributes;
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in AttributePattern().Matches(text))
        {
            attributes[match.Groups[1].Value.ToLowerInvariant()] = match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;
        }

        return attributes;
    }
}
