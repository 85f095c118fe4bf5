using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gym.Scenarios.Yaml;

/// <summary>
/// Reads YAML text into a <see cref="SourceNode"/> tree with positions. Built on YamlDotNet's event
/// parser rather than its representation model (<c>YamlStream</c>) because the latter stops at the
/// first duplicate key, and we want to report every duplicate and still validate the rest of the file.
/// </summary>
internal sealed class YamlTreeReader
{
    private readonly SourceFile _file;
    private readonly ErrorSink _errors;
    private readonly Dictionary<string, SourceNode> _anchors = new(StringComparer.Ordinal);
    private readonly int _maxDepth;

    private YamlTreeReader(SourceFile file, ErrorSink errors, int maxDepth)
    {
        _file = file;
        _errors = errors;
        _maxDepth = maxDepth;
    }

    /// <summary>The document's root node, or <see langword="null"/> when the text is empty or not valid YAML (the reason is in <paramref name="errors"/>).</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="file">The file, for positions.</param>
    /// <param name="errors">Where problems go.</param>
    /// <param name="maxDepth">How deeply lists and mappings may nest; checked before YamlDotNet reads the text, and again exactly while reading.</param>
    public static SourceNode? Read(string text, SourceFile file, ErrorSink errors, int maxDepth)
    {
        if (NotText(text) is { } binary)
        {
            errors.Add(file, binary.Line, binary.Column, binary.Message, binary.Hint);
            return null;
        }

        if (NestingScan.Check(text, maxDepth) is { } problem)
        {
            errors.Add(file, problem.Line, problem.Column, problem.Message, problem.Hint);
            return null;
        }

        var reader = new YamlTreeReader(file, errors, maxDepth);
        var parser = new Parser(new StringReader(text));
        try
        {
            return reader.ReadStream(parser);
        }
        catch (TooDeepException exception)
        {
            errors.Add(exception.Mark, $"lists and mappings nest more than {maxDepth} levels deep here", $"a scenario needs only a few levels; if this file really needs more, raise the limit with the environment variable {ScenarioLimits.DepthVariable}");
            return null;
        }
        catch (YamlException exception)
        {
            reader.ReportSyntaxError(text, exception.Message, exception.Start);
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unclosed flow collections ("levels: [1, 2"
            // followed by block keys); the last event it produced is the best position we have.
            var position = parser.Current?.Start ?? Mark.Empty;
            reader.ReportSyntaxError(text, "While scanning, could not read past this point; a '[', '{' or quote may be unclosed.", position);
            return null;
        }
    }

    private SourceNode? ReadStream(IParser parser)
    {
        parser.Consume<StreamStart>();
        if (parser.Accept<StreamEnd>(out _))
        {
            ReportEmpty();
            return null;
        }

        parser.Consume<DocumentStart>();
        var root = ReadNode(parser, path: "", depth: 0);
        parser.Consume<DocumentEnd>();
        if (parser.Accept<DocumentStart>(out var second))
        {
            _errors.Add(MarkOf(second.Start), "a scenario file holds one YAML document, but a second one starts here", "remove the '---' line and what follows, or move it to its own file");
            return null;
        }

        if (root is ScalarNode { IsNull: true })
        {
            ReportEmpty();
            return null;
        }

        return root;
    }

    private void ReportEmpty() => _errors.Add(_file, 1, 1, "the scenario file is empty", "a scenario needs at least 'id' and 'task'");

    private SourceNode ReadNode(IParser parser, string path, int depth)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            var mark = MarkOf(alias.Start);
            _errors.Add(mark, $"unknown alias '*{alias.Value.Value}'", $"define the anchor with '&{alias.Value.Value}' before using it");
            return new BrokenNode(mark);
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var isPlain = scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty;
            return Anchor(scalar.Anchor, new ScalarNode(MarkOf(scalar.Start), scalar.Value, isPlain));
        }

        if (depth >= _maxDepth && parser.Current is SequenceStart or MappingStart)
        {
            throw new TooDeepException(MarkOf(parser.Current.Start));
        }

        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            var items = new List<SourceNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, NodeText.Item(path, items.Count), depth + 1));
            }

            return Anchor(sequenceStart.Anchor, new SequenceNode(MarkOf(sequenceStart.Start), items));
        }

        var mappingStart = parser.Consume<MappingStart>();
        var entries = new List<MappingEntry>();
        var seen = new Dictionary<string, ScalarNode>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, path, depth + 1);
            if (keyNode is not ScalarNode key)
            {
                _errors.Add(keyNode, $"keys must be plain text, but this key is {NodeText.Found(keyNode)}", null);
                ReadNode(parser, path, depth + 1);
                continue;
            }

            var value = ReadNode(parser, NodeText.Child(path, key.Value), depth + 1);
            if (seen.TryGetValue(key.Value, out var first))
            {
                _errors.Add(key, $"duplicate key '{key.Value}' in {NodeText.Context(path)}", $"it is first defined at {first.Mark.Line}:{first.Mark.Column}");
                continue;
            }

            seen.Add(key.Value, key);
            entries.Add(new MappingEntry(key, value));
        }

        return Anchor(mappingStart.Anchor, new MappingNode(MarkOf(mappingStart.Start), entries));
    }

    /// <summary>
    /// The first character YAML does not allow in a text file (NUL, other control characters, bytes that are not
    /// UTF-8), reported as binary content: YamlDotNet's own message for these names a token, not the cause.
    /// </summary>
    private static ScanProblem? NotText(string text)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                lineStart = i + 1;
            }
            else if ((char.IsControl(c) && c is not ('\t' or '\r') && c != '\u0085') || c is '\uFFFD' or '\uFFFE' or '\uFFFF')
            {
                var what = c == '\uFFFD' ? "bytes that are not UTF-8 text" : $"the control character U+{(int)c:X4}";
                return new ScanProblem(line, i - lineStart + 1, $"the file holds {what} here, so it is not a YAML text file", "a scenario is UTF-8 text; check that this is the file you meant (not a binary or a file in another encoding)");
            }
        }

        return null;
    }

    private SourceNode Anchor(AnchorName anchor, SourceNode node)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = node;
        }

        return node;
    }

    private SourceMark MarkOf(Mark mark) => new(_file, (int)mark.Line, (int)mark.Column);

    private void ReportSyntaxError(string text, string exceptionMessage, Mark start)
    {
        // YamlDotNet points tab problems at the token before the tab, and only at the first one:
        // naming every indenting tab is what the author needs to fix the file.
        var tabs = IndentationTabs(text);
        if (tabs.Count > 0)
        {
            foreach (var (line, column) in tabs)
            {
                _errors.Add(_file, line, column, "tab character in indentation", "YAML indents with spaces only; replace the tab with spaces");
            }

            return;
        }

        var message = exceptionMessage.Trim();
        if (message.Length > 0)
        {
            message = char.ToLowerInvariant(message[0]) + message[1..];
        }

        message = message.TrimEnd('.');
        _errors.Add(_file, Math.Max(1, (int)start.Line), Math.Max(1, (int)start.Column), $"YAML syntax error: {message}", SyntaxHint(message));
    }

    private static string? SyntaxHint(string message)
    {
        if (message.Contains("did not find expected key", StringComparison.Ordinal))
        {
            return "check that this line is indented like the keys of the mapping it belongs to";
        }

        if (message.Contains("found invalid mapping", StringComparison.Ordinal) || message.Contains("mapping values are not allowed", StringComparison.Ordinal))
        {
            return "a value that contains ': ' must be quoted, and a nested key needs its own line with deeper indentation";
        }

        if (message.Contains("expected '-' indicator", StringComparison.Ordinal))
        {
            return "items of one list must start at the same column";
        }

        if (message.Contains("quoted scalar", StringComparison.Ordinal) && message.Contains("end of stream", StringComparison.Ordinal))
        {
            return "a quoted string is missing its closing quote";
        }

        if (message.Contains("quoted scalar", StringComparison.Ordinal)
            && (message.Contains("wrong indentation", StringComparison.Ordinal) || message.Contains("document indicator", StringComparison.Ordinal)))
        {
            // An unclosed quote runs on into the next keys, which YamlDotNet then reports as bad indentation.
            return "a quoted string is missing its closing quote (a quoted string that really goes on to the next lines must indent them)";
        }

        if (message.Contains("expected ',' or '}'", StringComparison.Ordinal))
        {
            return "a '{ … }' mapping is missing a ',' between entries or its closing '}'";
        }

        if (message.Contains("may be unclosed", StringComparison.Ordinal))
        {
            return "check the brackets and quotes of this value";
        }

        if (message.Contains("expected ',' or ']'", StringComparison.Ordinal))
        {
            return "a '[ … ]' list is missing a ',' between items or its closing ']'";
        }

        return null;
    }

    private static List<(int Line, int Column)> IndentationTabs(string text)
    {
        var found = new List<(int, int)>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            for (var j = 0; j < line.Length && line[j] is ' ' or '\t'; j++)
            {
                if (line[j] == '\t')
                {
                    found.Add((i + 1, j + 1));
                    break;
                }
            }
        }

        return found;
    }
}

/// <summary>Thrown out of the recursive reader at the first collection nested deeper than the limit.</summary>
#pragma warning disable CA1064, CA1032 // Internal control flow of the reader, never seen outside it.
internal sealed class TooDeepException(SourceMark mark) : Exception
#pragma warning restore CA1064, CA1032
{
    public SourceMark Mark { get; } = mark;
}
