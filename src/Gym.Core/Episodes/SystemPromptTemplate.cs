using System.Globalization;
using System.Text;
using Gym.Core.Parsing;
using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>
/// The text of a tool environment's system prompt, as a template: <c>{max_turns}</c> (the turn limit),
/// <c>{tools}</c> (the tools as JSON, <see cref="Toolbox.DescribeAsJson"/>), <c>{tool_names}</c> (the
/// tools' names, comma-separated) and <c>{format}</c> (the action parser's
/// <see cref="IActionParser.FormatInstructions"/>) are filled in; <c>{{</c> and <c>}}</c> write literal
/// braces. Any other <c>{…}</c>, an unclosed <c>{</c> and a lone <c>}</c> are errors.
/// </summary>
public static class SystemPromptTemplate
{
    /// <summary>The placeholder for the turn limit.</summary>
    public const string MaxTurns = "max_turns";

    /// <summary>The placeholder for the tools as a JSON array in the OpenAI function-tool shape.</summary>
    public const string Tools = "tools";

    /// <summary>The placeholder for the tools' names, joined by <c>", "</c>.</summary>
    public const string ToolNames = "tool_names";

    /// <summary>The placeholder for the action format's instructions.</summary>
    public const string Format = "format";

    /// <summary>
    /// The default prompt (when <see cref="ToolEnvironmentSettings.SystemPrompt"/> is null): role, turn
    /// limit, the tools' JSON schemas and the action format.
    /// </summary>
    public const string Default = "You solve tasks step by step using the tools below. You have at most {max_turns} turns.\nTools (JSON schema): {tools}\n{format}";

    /// <summary>The known placeholder names, in documentation order.</summary>
    public static IReadOnlyList<string> Placeholders { get; } = [MaxTurns, Tools, ToolNames, Format];

    /// <summary>The known placeholders as written in a template: <c>{max_turns}, {tools}, {tool_names}, {format}</c>.</summary>
    public static string KnownPlaceholders { get; } = string.Join(", ", Placeholders.Select(p => $"{{{p}}}"));

    private const int MaxShown = 40;

    /// <summary>What is wrong with <paramref name="template"/>, or <see langword="null"/> when it is a valid template.</summary>
    public static SystemPromptTemplateProblem? Check(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Length == 0
            ? new SystemPromptTemplateProblem("is empty", "write the prompt's text, or leave the setting out for the default prompt", 1, 1, template)
            : Scan(template, output: null, values: null);
    }

    /// <summary>Throws <see cref="ArgumentException"/> describing the first problem of <paramref name="template"/>.</summary>
    public static void Validate(string template)
    {
        if (Check(template) is { } problem)
        {
            throw new ArgumentException($"the system prompt {problem.Describe()}; {problem.Hint}");
        }
    }

    /// <summary>Fills the placeholders of <paramref name="template"/>; throws <see cref="ArgumentException"/> for an invalid template.</summary>
    public static string Render(string template, int maxTurns, Toolbox toolbox, IActionParser parser)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(toolbox);
        ArgumentNullException.ThrowIfNull(parser);
        Validate(template);
        var output = new StringBuilder(template.Length + 256);
        Scan(template, output, name => name switch
        {
            MaxTurns => maxTurns.ToString(CultureInfo.InvariantCulture),
            Tools => toolbox.DescribeAsJson(),
            ToolNames => string.Join(", ", toolbox.Tools.Select(t => t.Name)),
            _ => parser.FormatInstructions,
        });
        return output.ToString();
    }

    /// <summary>Walks the template once: with <paramref name="output"/>, writes the rendered text; returns the first problem.</summary>
    private static SystemPromptTemplateProblem? Scan(string template, StringBuilder? output, Func<string, string>? values)
    {
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            var doubled = i + 1 < template.Length && template[i + 1] == c;
            if (c == '{' && !doubled)
            {
                var close = template.IndexOf('}', i + 1);
                if (close < 0)
                {
                    return Problem(template, i, "has an unclosed '{'", "close the placeholder with '}', or write {{ for a literal brace");
                }

                var name = template[(i + 1)..close];
                if (!Placeholders.Contains(name, StringComparer.Ordinal))
                {
                    var nearest = Placeholders.OrderBy(p => Suggestions.EditDistance(p, name)).First();
                    var suggestion = name.Length > 2 && Suggestions.EditDistance(nearest, name) <= 2 ? $"did you mean '{{{nearest}}}'? " : "";
                    return Problem(template, i, $"has an unknown placeholder '{{{Shown(name)}}}'", $"{suggestion}known placeholders: {KnownPlaceholders}; write {{{{ and }}}} for literal braces");
                }

                output?.Append(values!(name));
                i = close + 1;
                continue;
            }

            if (c == '}' && !doubled)
            {
                return Problem(template, i, "has a '}' that closes no placeholder", "write }} for a literal brace");
            }

            output?.Append(c);
            i += c is '{' or '}' ? 2 : 1;
        }

        return null;
    }

    private static SystemPromptTemplateProblem Problem(string template, int index, string message, string hint)
    {
        var line = 1;
        var lineStart = 0;
        for (var j = 0; j < index; j++)
        {
            if (template[j] == '\n')
            {
                line++;
                lineStart = j + 1;
            }
        }

        return new SystemPromptTemplateProblem(message, hint, line, index - lineStart + 1, template);
    }

    private static string Shown(string name)
    {
        var shown = name.Length > MaxShown ? string.Concat(name.AsSpan(0, MaxShown), "…") : name;
        return shown.Replace("\n", "\\n", StringComparison.Ordinal);
    }
}

/// <summary>What is wrong with a system prompt template, and where in its text.</summary>
/// <param name="Message">What is wrong, to follow the template's name: <c>has an unknown placeholder '{foo}'</c>.</param>
/// <param name="Hint">What would be right: the known placeholders, or how to write a literal brace.</param>
/// <param name="Line">1-based line within the template's text.</param>
/// <param name="Column">1-based column within that line.</param>
/// <param name="Template">The template's text.</param>
public sealed record SystemPromptTemplateProblem(string Message, string Hint, int Line, int Column, string Template)
{
    /// <summary>
    /// Where in the text: <c>character 12 of the text</c> in a one-line template (a final line break
    /// aside, as YAML block scalars end with one), else
    /// <c>line 2, column 5 of the text</c>; <see langword="null"/> for an empty template.
    /// </summary>
    public string? Position => Template.Length == 0
        ? null
        : Template.TrimEnd('\n').Contains('\n', StringComparison.Ordinal)
            ? $"line {Line.ToString(CultureInfo.InvariantCulture)}, column {Column.ToString(CultureInfo.InvariantCulture)} of the text"
            : $"character {Column.ToString(CultureInfo.InvariantCulture)} of the text";

    /// <summary>The message with its position: <c>has an unknown placeholder '{foo}' at character 12 of the text</c>.</summary>
    public string Describe() => Position is null ? Message : $"{Message} at {Position}";
}
