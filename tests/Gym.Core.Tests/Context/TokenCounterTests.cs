using System.Text;
using FluentAssertions;
using Gym.Core.Context;
using Xunit;

namespace Gym.Core.Tests.Context;

public sealed class TokenCounterTests
{
    // Pinned against tiktoken: o200k_base encodes "hello world" as [24912, 2375] and
    // "Hello, world!" as [13225, 11, 2375, 0]; cl100k_base encodes "hello world" as [15339, 1917].
    [Theory]
    [InlineData("o200k", "hello world", 2)]
    [InlineData("o200k", "Hello, world!", 4)]
    [InlineData("o200k", "The quick brown fox jumps over the lazy dog.", 10)]
    [InlineData("o200k", "こんにちは世界", 2)]
    [InlineData("o200k", "", 0)]
    [InlineData("cl100k", "hello world", 2)]
    [InlineData("cl100k", "こんにちは世界", 4)]
    [InlineData("cl100k", "Compute 4512 + 317, then multiply by 7.", 14)]
    public void Text_counts_match_the_reference_tokenizer(string name, string text, int tokens)
    {
        var counter = (TiktokenTokenCounter)TokenCounters.Create(name);

        counter.CountText(text).Should().Be(tokens);
        counter.Count(ChatMessage.User(text)).Should().Be(tokens + TiktokenTokenCounter.MessageOverhead);
        counter.Name.Should().Be(name);
    }

    [Fact]
    public void A_message_costs_its_content_plus_a_fixed_overhead_whatever_its_role()
    {
        var counter = TokenCounters.Default;

        counter.Count(ChatMessage.System("hello world")).Should().Be(6);
        counter.Count(ChatMessage.Tool("calculator", "hello world")).Should().Be(6);
        counter.Count(ChatMessage.Assistant(string.Empty)).Should().Be(4);
    }

    [Fact]
    public void Counters_are_created_once_per_name_and_shared()
    {
        TokenCounters.Create("o200k").Should().BeSameAs(TokenCounters.Default);
        TokenCounters.Create(" O200K_base ").Should().BeSameAs(TokenCounters.Default);
        TokenCounters.Create("cl100k").Should().BeSameAs(TokenCounters.Create("cl100k_base"));
        TokenCounters.Create("cl100k").Should().NotBeSameAs(TokenCounters.Default);
    }

    [Fact]
    public void Concurrent_creation_and_counting_agree()
    {
        var texts = Enumerable.Range(0, 200).Select(i => $"step {i}: {i * 37} + {i * 11} = {i * 48}").ToArray();
        var expected = texts.Select(t => TokenCounters.Default.Count(ChatMessage.User(t))).ToArray();
        var counters = new ITokenCounter[64];
        var counts = new int[64][];

        Parallel.For(0, 64, i =>
        {
            counters[i] = TokenCounters.Create("o200k");
            counts[i] = [.. texts.Select(t => counters[i].Count(ChatMessage.User(t)))];
        });

        counters.Should().OnlyContain(c => ReferenceEquals(c, TokenCounters.Default));
        counts.Should().OnlyContain(c => c.SequenceEqual(expected));
    }

    [Fact]
    public void A_tiktoken_file_is_loaded_from_its_path()
    {
        using var dir = new Trajectories.TempDirectory();
        var path = dir.File("tiny.tiktoken");
        // Every byte, then merges he, ll, hell, hello: "hello" is one token, " hello" two.
        var lines = Enumerable.Range(0, 256).Select(b => Line([(byte)b], b))
            .Concat([Line("he"u8.ToArray(), 256), Line("ll"u8.ToArray(), 257), Line("hell"u8.ToArray(), 258), Line("hello"u8.ToArray(), 259)]);
        File.WriteAllLines(path, lines);

        var counter = (TiktokenTokenCounter)TokenCounters.Create(path);

        counter.Name.Should().Be(path);
        counter.CountText("hello").Should().Be(1);
        counter.CountText("hello hello").Should().Be(3);
        counter.CountText("ab").Should().Be(2);
        TokenCounters.Create(path).Should().BeSameAs(counter);

        static string Line(byte[] bytes, int rank) => $"{Convert.ToBase64String(bytes)} {rank}";
    }

    [Fact]
    public void Unknown_names_and_unsupported_files_are_refused_with_what_is_accepted()
    {
        using var dir = new Trajectories.TempDirectory();
        var json = dir.File("tokenizer.json");
        File.WriteAllText(json, "{}", Encoding.UTF8);
        var other = dir.File("vocab.txt");
        File.WriteAllText(other, "a", Encoding.UTF8);
        var broken = dir.File("broken.tiktoken");
        File.WriteAllText(broken, "not base64 at all\n", Encoding.UTF8);
        var missing = dir.File("missing.tiktoken");

        Refused("gpt5").Should().Be("unknown tokenizer 'gpt5': it is neither a known tokenizer nor a tokenizer file; expected o200k (default) | cl100k | path to a .tiktoken BPE file or a Hugging Face tokenizer.json");
        // Gym.Core alone has no tokenizer.json reader; the command line registers Gym.Learning's (tested in Gym.Cli.Tests).
        Refused(json).Should().Be($"unknown tokenizer '{json}': this program has no reader for Hugging Face tokenizer.json files registered (the gym command line has one); expected o200k (default) | cl100k | path to a .tiktoken BPE file or a Hugging Face tokenizer.json");
        Refused(other).Should().Be($"unknown tokenizer '{other}': only .tiktoken BPE files and Hugging Face tokenizer.json files are supported; expected o200k (default) | cl100k | path to a .tiktoken BPE file or a Hugging Face tokenizer.json");
        Refused(missing).Should().Be($"tokenizer file '{missing}' does not exist");
        Refused(broken).Should().StartWith($"cannot load tokenizer file '{broken}': ");
        Refused("  ").Should().Be("the tokenizer name is empty: expected o200k (default) | cl100k | path to a .tiktoken BPE file or a Hugging Face tokenizer.json");

        static string Refused(string name)
        {
            var create = () => TokenCounters.Create(name);
            return create.Should().Throw<ArgumentException>().Which.Message;
        }
    }
}
