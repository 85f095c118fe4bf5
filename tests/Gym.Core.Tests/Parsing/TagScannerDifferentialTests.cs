using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using Gym.Core.Parsing;
using Xunit;

namespace Gym.Core.Tests.Parsing;

/// <summary>
/// The hand-written tag matcher finds exactly what the regular expression it replaced found: the
/// same segments (tag, content, attributes, offset) and the same first error, on hand-picked edge
/// cases and on random texts built from tag fragments, whitespace of every kind and non-ASCII.
/// </summary>
public sealed partial class TagScannerDifferentialTests
{
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "think", "answer", "tool_call", "tool" };

    [GeneratedRegex(@"<(/?)([A-Za-z_][A-Za-z0-9_\-]*)((?:\s+[A-Za-z_][A-Za-z0-9_\-]*\s*=\s*(?:""[^""]*""|'[^']*'))*)\s*>", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_\-]*)\s*=\s*(?:""([^""]*)""|'([^']*)')", RegexOptions.CultureInvariant)]
    private static partial Regex AttributePattern();

    private static readonly string[] Fragments =
    [
        "<think>", "</think>", "<answer>", "</answer>", "<tool_call>", "</tool_call>", "<THINK>", "</Answer >",
        "<tool name=\"calc\">", "<tool name='x' id = \"2\" >", "</tool>", "<tool name=\"unclosed>", "<tool name=x>",
        "<tool\tname=\"a\"\n>", "<tool name=\"a\"b=\"c\">", "<b>", "</b>", "<1>", "< think>", "<think/>", "<_x-1>",
        "<", ">", "/", "=", "\"", "'", " ", "\t", "\n", "\u00a0", "\u2028", "\u0085", "x", "2 + 3", "«é»", "😀",
        "{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1 < 2\"}}", "<tool_call >", "</tool_call\n>",
    ];

    [Theory]
    [InlineData("")]
    [InlineData("<think>a</think><answer>5</answer>")]
    [InlineData("<think>a<answer>5</answer></think>")]
    [InlineData("</answer>")]
    [InlineData("<answer>5</think>")]
    [InlineData("<answer>  \n </answer>")]
    [InlineData("<tool name=\"calc\" mode='x'>1+1</tool>")]
    [InlineData("<ANSWER>7</answer>")]
    [InlineData("a < b > c <answer>5")]
    [InlineData("<tool name=\"a\"\u00a0>x</tool>")]
    public void Finds_what_the_regular_expression_found(string text) => Compare(text);

    [Fact]
    public void Finds_what_the_regular_expression_found_on_random_texts()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder();
            var parts = random.Next(1, 12);
            for (var p = 0; p < parts; p++)
            {
                text.Append(Fragments[random.Next(Fragments.Length)]);
            }

            Compare(text.ToString());
        }
    }

    private static void Compare(string text)
    {
        var (segments, error) = TagScanner.Scan(text, Known);
        var (expectedSegments, expectedError) = Reference(text);

        error.Should().Be(expectedError, text);
        segments.Should().HaveCount(expectedSegments.Count, text);
        for (var i = 0; i < segments.Count; i++)
        {
            segments[i].Tag.Should().Be(expectedSegments[i].Tag, text);
            segments[i].Content.Should().Be(expectedSegments[i].Content, text);
            segments[i].Start.Should().Be(expectedSegments[i].Start, text);
            segments[i].Attributes.Should().Equal(expectedSegments[i].Attributes, text);
        }
    }

    // The scanner as it was, with its regular expression.
    private static (List<TagSegment> Segments, string? Error) Reference(string text)
    {
        var segments = new List<TagSegment>();
        (string Name, int Start, int ContentStart, IReadOnlyDictionary<string, string> Attributes)? open = null;
        foreach (Match match in TagPattern().Matches(text))
        {
            var name = match.Groups[2].Value.ToLowerInvariant();
            if (!Known.Contains(name))
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

                open = (name, match.Index, match.Index + match.Length, Attributes(match.Groups[3].Value));
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
                segments.Add(new TagSegment(name, text[current.ContentStart..match.Index].Trim(), current.Attributes, current.Start));
                open = null;
            }
        }

        return open is { } unclosed
            ? (segments, $"<{unclosed.Name}> at character {unclosed.Start + 1} is never closed with </{unclosed.Name}>")
            : (segments, null);
    }

    private static Dictionary<string, string> Attributes(string text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in AttributePattern().Matches(text))
        {
            attributes[match.Groups[1].Value.ToLowerInvariant()] = match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;
        }

        return attributes;
    }
}
