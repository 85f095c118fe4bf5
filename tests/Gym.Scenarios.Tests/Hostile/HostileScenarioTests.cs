using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Scenarios.Tests.Hostile;

/// <summary>
/// Small hostile or mistaken scenario files end in one located error: never a stack overflow, an out-of-memory,
/// a hang or a flood of lines.
/// </summary>
public sealed class HostileScenarioTests : IDisposable
{
    private const string Head = "id: tool-use/hostile\ntask:\n  environment: tool-use/arithmetic-v0\n";

    private readonly string _folder = ProcessTempFolder.Create("gym-hostile-").Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static ScenarioLoadResult Load(string path, ScenarioLimits? limits = null) =>
        ScenarioLoader.Load(path, registry: null, limits ?? ScenarioLimits.Default, CancellationToken.None);

    private static ScenarioError Single(ScenarioLoadResult result)
    {
        result.Spec.Should().BeNull();
        result.Errors.Should().ContainSingle();
        return result.Errors[0];
    }

    [Fact]
    public void Twenty_thousand_nested_brackets_are_one_located_depth_error()
    {
        var path = Write("brackets.yaml", Head + "tools: " + new string('[', 20_000) + new string(']', 20_000) + "\n");

        var error = Single(Load(path));

        error.Message.Should().Be("lists and mappings nest more than 64 levels deep here");
        (error.Line, error.Column).Should().Be((4, 71), "the top-level mapping is level 1 and tools' brackets open levels 2 and up");
        error.Hint.Should().Contain(ScenarioLimits.DepthVariable);
    }

    [Fact]
    public void A_thirty_thousand_deep_flow_mapping_is_a_depth_error()
    {
        var path = Write("mapping.yaml", Head + "tools: " + string.Concat(Enumerable.Repeat("{a: ", 30_000)) + "b" + new string('}', 30_000) + "\n");

        Single(Load(path)).Message.Should().Contain("nest more than 64 levels");
    }

    [Fact]
    public void Compact_block_items_count_one_level_each()
    {
        var path = Write("dashes.yaml", Head + "tools:\n  " + string.Concat(Enumerable.Repeat("- ", 10_000)) + "x\n");

        var error = Single(Load(path));

        error.Message.Should().Contain("nest more than 64 levels");
        error.Line.Should().Be(5);
    }

    [Fact]
    public void Indented_block_nesting_past_the_limit_is_a_depth_error()
    {
        var text = new StringBuilder(Head).Append("rewards:\n");
        for (var level = 1; level <= 80; level++)
        {
            text.Append(' ', level).Append("k:\n");
        }

        Single(Load(Write("indent.yaml", text.ToString()))).Message.Should().Contain("nest more than 64 levels");
    }

    [Fact]
    public void Nesting_within_the_limit_is_read_and_judged_by_the_schema()
    {
        var path = Write("sixty.yaml", Head + "tools: " + new string('[', 60) + new string(']', 60) + "\n");

        var error = Single(Load(path));

        error.Message.Should().Contain("wrong type for tools[0]");
    }

    [Fact]
    public void The_depth_limit_is_configurable()
    {
        var path = Write("hundred.yaml", Head + "tools: " + new string('[', 100) + new string(']', 100) + "\n");

        Single(Load(path)).Message.Should().Contain("nest more than 64");
        Single(Load(path, ScenarioLimits.Default with { MaxDepth = 200 })).Message.Should().Contain("wrong type for tools[0]");
    }

    [Fact]
    public void Brackets_inside_quotes_comments_plain_text_and_block_scalars_do_not_count()
    {
        var brackets = new string('[', 100);
        var path = Write(
            "text.yaml",
            Head + $"description: \"{brackets}\"\n# {brackets}\nsystem_prompt: |\n  {brackets}\n  {{{{ literal }}}}\nlimits:\n  max_turns: 4 # {brackets}\n");

        var result = Load(path);

        result.Errors.Should().BeEmpty();
        result.Spec!.Description.Should().Be(brackets);
    }

    [Fact]
    public void Parsing_time_grows_linearly_with_the_input()
    {
        // Entries nested 50 deep, within the limit, so every byte is parsed; 8 times the input must not take
        // anything like 64 times the time (quadratic), which is what deep flow nesting cost before the limit.
        static string Text(int entries)
        {
            var text = new StringBuilder(Head);
            var value = new string('[', 50) + "1" + new string(']', 50);
            for (var i = 0; i < entries; i++)
            {
                text.Append('k').Append(i).Append(": ").Append(value).Append('\n');
            }

            return text.ToString();
        }

        var small = Write("small.yaml", Text(500));
        var large = Write("large.yaml", Text(4000));
        Load(small);
        Load(large);

        var smallTime = Fastest(() => Load(small));
        var largeTime = Fastest(() => Load(large));

        (largeTime / smallTime).Should().BeLessThan(24, $"8x the input took {largeTime:F1} ms against {smallTime:F1} ms");
    }

    private static double Fastest(Action action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }

        return best;
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_before_it_is_parsed()
    {
        var path = Write("big.yaml", Head + "description: \"" + new string('x', 4096) + "\"\n");

        var error = Single(Load(path, ScenarioLimits.Default with { MaxFileBytes = 1024 }));

        error.Message.Should().StartWith("cannot read scenario file: the file is ").And.Contain("more than the limit of 1 KiB");
        error.Hint.Should().Contain(ScenarioLimits.BytesVariable);
        Load(path).Errors.Should().BeEmpty("the default limit is 8 MiB");
    }

    [Fact]
    public void Extends_of_a_device_is_refused_without_reading_it()
    {
        var path = Write("zero.yaml", "extends: /dev/zero\n" + Head);
        var watch = Stopwatch.StartNew();

        var error = Single(Load(path));

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        (error.Line, error.Column).Should().Be((1, 10));
        error.Message.Should().Be("cannot read base scenario '/dev/zero': it is a device, not a regular file");
    }

    [Fact]
    public async Task Extends_of_a_fifo_is_refused_without_blocking()
    {
        var fifo = Path.Combine(_folder, "pipe.yaml");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        var path = Write("fifo.yaml", "extends: pipe.yaml\n" + Head);

        var result = await Task.Run(() => Load(path)).WaitAsync(TimeSpan.FromSeconds(20));

        Single(result).Message.Should().Be("cannot read base scenario 'pipe.yaml': it is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void Extends_of_a_directory_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "folder.yaml"));
        var path = Write("dir.yaml", "extends: folder.yaml\n" + Head);

        Single(Load(path)).Message.Should().Be("cannot read base scenario 'folder.yaml': it is a directory");
    }

    [Fact]
    public void A_cancelled_load_stops_with_cancellation()
    {
        var path = Write("ok.yaml", Head);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var load = () => ScenarioLoader.Load(path, null, ScenarioLimits.Default, cancellation.Token);

        load.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Errors_past_the_cap_are_counted_not_listed()
    {
        var text = new StringBuilder(Head);
        for (var i = 0; i < 1000; i++)
        {
            text.Append("unknown_").Append(i).Append(": 1\n");
        }

        var result = Load(Write("keys.yaml", text.ToString()));

        result.Errors.Should().HaveCount(100);
        result.Omitted.Should().Be(900);
        result.OmittedLine.Should().Be("… and 900 more errors");
        result.Errors[0].Line.Should().Be(4);
    }

    [Theory]
    [InlineData("description: 42", "wrong type for description: found the number 42")]
    [InlineData("description: true", "wrong type for description: found the boolean true")]
    [InlineData("description: 3.5", "wrong type for description: found the number 3.5")]
    [InlineData("tools: [calculator, 7]", "wrong type for tools[1]: found the number 7")]
    [InlineData("extends: 5", "wrong type for extends: found the number 5")]
    public void Plain_numbers_and_booleans_are_not_strings(string line, string message)
    {
        var error = Single(Load(Write("types.yaml", Head + line + "\n")));

        error.Message.Should().Be(message);
        error.Line.Should().Be(4);
    }

    [Fact]
    public void Quoted_numbers_are_strings()
    {
        Load(Write("quoted.yaml", Head + "description: \"42\"\n")).Spec!.Description.Should().Be("42");
    }

    [Fact]
    public void Binary_content_is_reported_as_not_text()
    {
        var path = Path.Combine(_folder, "binary.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes(Head + "description: x"), 0x00, 0xFF, 0xFE, 0x01]);

        var error = Single(Load(path));

        error.Message.Should().Be("the file holds the control character U+0000 here, so it is not a YAML text file");
        (error.Line, error.Column).Should().Be((4, 15));
        error.Hint.Should().Contain("UTF-8 text");
    }

    [Fact]
    public void Invalid_utf8_is_reported_as_not_text()
    {
        var path = Path.Combine(_folder, "latin1.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes(Head + "description: caf"), 0xE9, (byte)'\n']);

        Single(Load(path)).Message.Should().Be("the file holds bytes that are not UTF-8 text here, so it is not a YAML text file");
    }

    [Fact]
    public void An_unclosed_quote_gets_a_hint()
    {
        var error = Single(Load(Write("quote.yaml", Head + "description: \"never closed\nlimits:\n  max_turns: 3\n")));

        error.Hint.Should().StartWith("a quoted string is missing its closing quote");
    }

    [Fact]
    public void A_two_megabyte_key_is_reported_as_a_key_too_long()
    {
        var error = Single(Load(Write("key.yaml", Head + new string('k', 2 * 1024 * 1024) + ": 1\n")));

        (error.Line, error.Column).Should().Be((4, 1));
        error.Message.Should().Be("this key is 2097152 characters long, more than YAML's limit of 1024 for a key");
    }
}
