using System.Text;
using FluentAssertions;
using Gym.Core.Parsing;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Parsing;

/// <summary>
/// Seeded fuzzing of the action parsers: whatever a policy writes (random bytes, broken tags, JSON nested
/// thousands deep), parsing returns a valid action or an invalid one with an error for the agent, never an
/// exception and never a hang.
/// </summary>
public sealed class ActionParserFuzzTests
{
    private const int Cases = 4000;
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(10);

    private static readonly string[] Fragments =
    [
        "<tool_call>", "</tool_call>", "<answer>", "</answer>", "<think>", "</think>", "<tool name=\"calculator\">", "</tool>", "<calculator>", "</calculator>",
        "<search>", "</search>", "<tool_call", "</", "<", ">", "{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1+1\"}}", "{\"name\":", "\"arguments\":",
        "{", "}", "[", "]", "\"", "\\", "\\u0000", "\u0000", "\uFFFD", "\uD800", "null", "1e999999", "-", ",", ":", " ", "\n", "&lt;", "<![CDATA[", "]]>",
        new string('{', 5000), new string('[', 5000), string.Concat(Enumerable.Repeat("<think>", 300)),
    ];

    private static readonly ITool[] Tools =
    [
        DelegateTool.Echo("calculator", "expression"),
        DelegateTool.Echo("search", "query"),
    ];

    [Fact]
    public async Task Random_actions_parse_to_an_action_or_an_error()
    {
        var random = new Random(20251206);
        var parsers = new IActionParser[] { new JsonToolCallActionParser(), new XmlTagActionParser(Tools) };
        for (var i = 0; i < Cases; i++)
        {
            var text = (i % 3) switch
            {
                0 => RandomBytes(random),
                1 => RandomTags(random),
                _ => Mutate(random),
            };
            foreach (var parser in parsers)
            {
                ParsedAction parsed;
                try
                {
                    parsed = await Task.Run(() => parser.Parse(text)).WaitAsync(PerCase);
                }
                catch (TimeoutException)
                {
                    throw new Xunit.Sdk.XunitException($"case {i} ({parser.GetType().Name}) took more than {PerCase.TotalSeconds} s: {Shown(text)}");
                }

                var shape = parsed.IsValid ? (parsed.IsAnswer ? ActionShape.Answer : ActionShape.ToolCalls) : ActionShape.Invalid;
                parser.Classify(text).Should().Be(shape, $"case {i} ({parser.GetType().Name}): Classify says what Parse says");
                if (parsed.IsValid)
                {
                    (parsed.Answer is not null || parsed.ToolCalls.Count > 0).Should().BeTrue($"case {i}: a valid action answers or calls a tool");
                }
                else
                {
                    parsed.Error.Should().NotBeNullOrWhiteSpace($"case {i}: an invalid action tells the agent why");
                }
            }
        }
    }

    [Fact]
    public void Half_a_surrogate_pair_is_an_invalid_action_not_an_exception()
    {
        // Found by the fuzzer: System.Text.Json threw ArgumentException on such text out of Parse. Built here, not
        // as theory data, which xUnit would serialize with the half pair replaced.
        var cases = new[]
        {
            ("<tool_call>{\"name\": \"calc" + (char)0xD800 + "\"}</tool_call>", 26),
            ("<calculator>1+" + (char)0xDC00 + "</calculator>", 15),
        };
        foreach (var (text, at) in cases)
        {
            foreach (var parser in new IActionParser[] { new JsonToolCallActionParser(), new XmlTagActionParser(Tools) })
            {
                var parsed = parser.Parse(text);

                parsed.IsValid.Should().BeFalse();
                parsed.Error.Should().StartWith($"the action holds text that is not valid Unicode (half of a surrogate pair at character {at})");
            }
        }
    }

    private static string Shown(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private static string RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 600)];
        random.NextBytes(bytes);
        return random.Next(2) == 0 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }

    private static string RandomTags(Random random)
    {
        var text = new StringBuilder();
        var pieces = random.Next(1, 30);
        for (var p = 0; p < pieces; p++)
        {
            text.Append(random.Next(4) == 0 ? ((char)random.Next(0, 0x800)).ToString() : Fragments[random.Next(Fragments.Length)]);
        }

        return text.ToString();
    }

    private static string Mutate(Random random)
    {
        var valid = random.Next(3) switch
        {
            0 => "<think>add</think><tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2+3\"}}</tool_call>",
            1 => "<tool name=\"search\">capital of France</tool><calculator>1+2</calculator>",
            _ => "<think>done</think><answer>42</answer>",
        };
        var text = new StringBuilder(valid);
        for (var e = random.Next(1, 5); e > 0; e--)
        {
            var at = random.Next(text.Length + 1);
            if (random.Next(2) == 0 || text.Length == 0)
            {
                text.Insert(at, Fragments[random.Next(Fragments.Length)]);
            }
            else
            {
                text.Remove(Math.Min(at, text.Length - 1), 1);
            }
        }

        return text.ToString();
    }
}
