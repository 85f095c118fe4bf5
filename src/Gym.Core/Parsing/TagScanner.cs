using System.Text.RegularExpressions;

namespace Gym.Core.Parsing;

/// <summary>
/// Finds top-level <c>&lt;tag&gt;…&lt;/tag&gt;</c> blocks for a fixed set of tag names. Tags outside
/// the set are ordinary text (models write HTML and maths with angle brackets). Known tags must be
/// closed and must not nest; each violation is reported with its position.
/// </summary>
internal static partial class TagScanner
{
    /// <summary>Scans <paramref name="text"/>; returns the segments and the first structural error, if any.</summary>
    /// <remarks>
    /// A hand-written matcher for the tag grammar <c>&lt;(/?)(NAME)((?:\s+NAME\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*&gt;</c>,
    /// NAME being <c>[A-Za-z_][A-Za-z0-9_\-]*</c>, tried at each '&lt;' from the left and resumed after
    /// each match, as a regular expression's successive matches are: the grammar never needs to back
    /// track (a name ends where no name character follows; an attribute either completes or the tag
    /// must end there), so the matches are the same, without a Match object or a string per tag.
    /// </remarks>
    public static (List<TagSegment> Segments, string? Error) Scan(string text, HashSet<string> knownTags)
    {
        var known = knownTags.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> lower = stackalloc char[MaxStackName];
        var segments = new List<TagSegment>();
        (string Name, int Start, int ContentStart, IReadOnlyDictionary<string, string> Attributes)? open = null;
        var position = 0;
        while ((position = text.IndexOf('<', position)) >= 0)
        {
            if (!TryMatchTag(text, position, out var tag))
            {
                position++;
                continue;
            }

            var start = position;
            position = tag.End;
            if (!TryKnownName(text.AsSpan(tag.NameStart, tag.NameLength), known, lower, out var name))
            {
                continue;
            }

            if (!tag.Closing)
            {
                if (open is { } outer)
                {
                    return (segments, $"<{name}> at character {start + 1} is inside <{outer.Name}> (opened at character {outer.Start + 1}); close </{outer.Name}> first, tags do not nest");
                }

                open = (name, start, tag.End, ParseAttributes(text.AsSpan(tag.AttributesStart, tag.AttributesLength)));
            }
            else if (open is not { } current)
            {
                return (segments, $"</{name}> at character {start + 1} closes a tag that was never opened");
            }
            else if (current.Name != name)
            {
                return (segments, $"</{name}> at character {start + 1} does not match <{current.Name}> opened at character {current.Start + 1}");
            }
            else
            {
                var content = text.AsSpan(current.ContentStart, start - current.ContentStart).Trim();
                segments.Add(new TagSegment(name, content.Length == 0 ? string.Empty : new string(content), current.Attributes, current.Start));
                open = null;
            }
        }

        return open is { } unclosed
            ? (segments, $"<{unclosed.Name}> at character {unclosed.Start + 1} is never closed with </{unclosed.Name}>")
            : (segments, null);
    }

    private const int MaxStackName = 64;

    /// <summary>Where one matched tag's parts lie in the text.</summary>
    private readonly record struct TagMatch(bool Closing, int NameStart, int NameLength, int AttributesStart, int AttributesLength, int End);

    // The known tag named by `span` lower-cased (invariant; names are ASCII), as the set's own string.
    private static bool TryKnownName(ReadOnlySpan<char> span, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> known, Span<char> lower, out string name)
    {
        if (span.Length > lower.Length)
        {
            return known.Set.TryGetValue(span.ToString().ToLowerInvariant(), out name!);
        }

        var length = span.ToLowerInvariant(lower);
        return known.TryGetValue(lower[..length], out name!);
    }

    private static bool TryMatchTag(string text, int start, out TagMatch match)
    {
        match = default;
        var n = text.Length;
        var i = start + 1;
        var closing = i < n && text[i] == '/';
        if (closing)
        {
            i++;
        }

        var nameStart = i;
        if (!TrySkipName(text, ref i))
        {
            return false;
        }

        var nameLength = i - nameStart;
        var attributesStart = i;
        while (TrySkipAttribute(text, i, out var next))
        {
            i = next;
        }

        var attributesLength = i - attributesStart;
        while (i < n && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        if (i >= n || text[i] != '>')
        {
            return false;
        }

        match = new TagMatch(closing, nameStart, nameLength, attributesStart, attributesLength, i + 1);
        return true;
    }

    // \s+NAME\s*=\s*("[^"]*"|'[^']*') from `i`; `next` is just past it.
    private static bool TrySkipAttribute(string text, int i, out int next)
    {
        next = i;
        var n = text.Length;
        if (i >= n || !char.IsWhiteSpace(text[i]))
        {
            return false;
        }

        while (i < n && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        if (!TrySkipName(text, ref i))
        {
            return false;
        }

        while (i < n && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        if (i >= n || text[i] != '=')
        {
            return false;
        }

        i++;
        while (i < n && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        if (i >= n || text[i] is not ('"' or '\''))
        {
            return false;
        }

        var close = text.IndexOf(text[i], i + 1);
        if (close < 0)
        {
            return false;
        }

        next = close + 1;
        return true;
    }

    // [A-Za-z_][A-Za-z0-9_\-]* from `i`, moving `i` past it.
    private static bool TrySkipName(string text, ref int i)
    {
        if (i >= text.Length || !(char.IsAsciiLetter(text[i]) || text[i] == '_'))
        {
            return false;
        }

        i++;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-'))
        {
            i++;
        }

        return true;
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_\-]*)\s*=\s*(?:""([^""]*)""|'([^']*)')", RegexOptions.CultureInvariant)]
    private static partial Regex AttributePattern();

    // Most tags have no attributes: they share one empty, read-only table.
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();

    private static IReadOnlyDictionary<string, string> ParseAttributes(ReadOnlySpan<char> span)
    {
        if (span.IsWhiteSpace())
        {
            return NoAttributes;
        }

        var text = span.ToString();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in AttributePattern().Matches(text))
        {
            attributes[match.Groups[1].Value.ToLowerInvariant()] = match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;
        }

        return attributes;
    }
}
