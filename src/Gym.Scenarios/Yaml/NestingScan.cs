namespace Gym.Scenarios.Yaml;

/// <summary>A problem the pre-scan found, at a 1-based line and column.</summary>
internal sealed record ScanProblem(int Line, int Column, string Message, string Hint);

/// <summary>
/// A linear pre-scan of YAML text that runs before YamlDotNet sees it. YamlDotNet's scanner does work per open
/// flow level for every token (quadratic in depth) and recurses per level, and so did our tree reader: a 40 KB file
/// of nested brackets overflowed the stack. This scan measures nesting (block indentation levels, compact
/// <c>- - x</c> items and flow brackets outside quotes, comments, plain text and block scalars) and key lengths,
/// without recursion, so that a too-deep file is refused with a position before any recursive code runs.
/// The measure may count a level more than YAML does in odd layouts, never fewer for flow brackets;
/// the tree reader then checks the exact depth.
/// </summary>
internal static class NestingScan
{
    /// <summary>YAML's limit on implicit keys (YAML 1.2, 7.4.2); YamlDotNet fails on longer ones with a misleading message.</summary>
    public const int MaxKeyLength = 1024;

    public static ScanProblem? Check(string text, int maxDepth)
    {
        var blocks = new List<int>();
        var flow = 0;
        var quote = '\0';
        var blockScalarIndent = -1;
        var valueStart = true;
        var tokenStart = -1;
        var tokenLine = 0;
        var lineNumber = 0;
        var position = 0;
        var contentStart = -1;
        while (position <= text.Length)
        {
            var end = text.IndexOf('\n', position);
            if (end < 0)
            {
                end = text.Length;
            }

            lineNumber++;
            var line = text.AsSpan(position, end - position).TrimEnd('\r');
            position = end + 1;
            var indent = 0;
            while (indent < line.Length && line[indent] == ' ')
            {
                indent++;
            }

            var blank = line[indent..].TrimStart('\t').IsEmpty;
            if (blockScalarIndent >= 0)
            {
                if (blank || indent > blockScalarIndent)
                {
                    continue;
                }

                blockScalarIndent = -1;
            }

            var i = indent;
            if (flow == 0 && quote == '\0')
            {
                if (blank || line[indent] == '#')
                {
                    continue;
                }

                while (blocks.Count > 0 && blocks[^1] > indent)
                {
                    blocks.RemoveAt(blocks.Count - 1);
                }

                if (blocks.Count == 0 || blocks[^1] < indent)
                {
                    blocks.Add(indent);
                }

                // Compact nesting: "- - - x" and "? ? x" open a level per indicator on one line.
                while (i < line.Length && line[i] is '-' or '?' && (i + 1 == line.Length || line[i + 1] is ' ' or '\t'))
                {
                    i++;
                    while (i < line.Length && line[i] is ' ' or '\t')
                    {
                        i++;
                    }

                    if (i < line.Length)
                    {
                        blocks.Add(i);
                    }

                    if (blocks.Count > maxDepth)
                    {
                        return TooDeep(lineNumber, i, maxDepth);
                    }
                }

                if (blocks.Count > maxDepth)
                {
                    return TooDeep(lineNumber, indent, maxDepth);
                }

                valueStart = true;
                contentStart = i;
            }
            else
            {
                contentStart = -1;
            }

            for (; i < line.Length; i++)
            {
                var c = line[i];
                if (quote != '\0')
                {
                    if (quote == '"' && c == '\\')
                    {
                        i++;
                    }
                    else if (c == quote)
                    {
                        if (quote == '\'' && i + 1 < line.Length && line[i + 1] == '\'')
                        {
                            i++;
                        }
                        else
                        {
                            quote = '\0';
                            valueStart = false;
                        }
                    }

                    continue;
                }

                if (c is ' ' or '\t')
                {
                    continue;
                }

                var afterSpace = i == 0 || line[i - 1] is ' ' or '\t';
                if (c == '#' && afterSpace)
                {
                    break;
                }

                if (valueStart)
                {
                    switch (c)
                    {
                        case '[' or '{':
                            flow++;
                            if (blocks.Count + flow > maxDepth)
                            {
                                return TooDeep(lineNumber, i, maxDepth);
                            }

                            continue;
                        case ']' or '}':
                            flow = Math.Max(0, flow - 1);
                            valueStart = false;
                            continue;
                        case ',':
                            continue;
                        case '"' or '\'':
                            quote = c;
                            (tokenStart, tokenLine) = (i, lineNumber);
                            continue;
                        case '|' or '>' when flow == 0:
                            blockScalarIndent = indent;
                            i = line.Length;
                            continue;
                        case '&' or '!':
                            while (i + 1 < line.Length && line[i + 1] is not (' ' or '\t'))
                            {
                                i++;
                            }

                            continue;
                        default:
                            valueStart = false;
                            (tokenStart, tokenLine) = (i, lineNumber);
                            break;
                    }
                }

                if (c == ':' && (i + 1 == line.Length || line[i + 1] is ' ' or '\t' || (flow > 0 && line[i + 1] is ',' or '[' or ']' or '{' or '}')))
                {
                    if (flow == 0 && tokenLine == lineNumber && tokenStart == contentStart && i - tokenStart > MaxKeyLength)
                    {
                        return new ScanProblem(lineNumber, tokenStart + 1, $"this key is {i - tokenStart} characters long, more than YAML's limit of {MaxKeyLength} for a key", "a key is a short name; put long text in the value after ': ', or write it on its own lines with '|'");
                    }

                    valueStart = true;
                    tokenStart = -1;
                }
                else if (flow > 0)
                {
                    switch (c)
                    {
                        case ',':
                            valueStart = true;
                            break;
                        case ']' or '}':
                            flow--;
                            break;
                        case '[' or '{':
                            flow++;
                            valueStart = true;
                            if (blocks.Count + flow > maxDepth)
                            {
                                return TooDeep(lineNumber, i, maxDepth);
                            }

                            break;
                    }
                }
            }

            if (flow == 0 && quote == '\0')
            {
                tokenStart = -1;
            }
        }

        return null;
    }

    private static ScanProblem TooDeep(int line, int index, int maxDepth) => new(
        line,
        index + 1,
        $"lists and mappings nest more than {maxDepth} levels deep here",
        $"a scenario needs only a few levels; if this file really needs more, raise the limit with the environment variable {ScenarioLimits.DepthVariable} (at most {ScenarioLimits.DepthCeiling})");
}
