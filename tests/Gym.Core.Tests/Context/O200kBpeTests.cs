using System.IO.Compression;
using System.Text;
using FluentAssertions;
using Gym.Core.Context;
using Gym.Testing;
using Microsoft.ML.Tokenizers;
using Xunit;

namespace Gym.Core.Tests.Context;

/// <summary>
/// Our o200k counter (<see cref="O200kBpe"/>) against the library's <c>TiktokenTokenizer</c> over the same rank
/// file: the counts must be identical on every text the project ships and on a large random corpus built to
/// reach each branch of the pre-tokenizer (letters of every case class, marks, numbers, whitespace runs,
/// \r\n mixes, contractions, symbols, CJK, emoji, lone surrogates, U+FFFD, special tokens).
/// </summary>
public sealed class O200kBpeTests
{
    private static readonly Lazy<O200kBpe> Ours = new(O200kBpe.Load);

    [Fact]
    public void The_default_counter_is_ours()
    {
        var counter = (TiktokenTokenCounter)TokenCounters.Default;

        counter.CountText("Hello, world!").Should().Be(Ours.Value.CountTokens("Hello, world!"));
        counter.Name.Should().Be("o200k");
    }

    [Fact]
    public void The_special_tokens_are_the_librarys()
    {
        LoadLibrary().SpecialTokens!.Keys.Should().BeEquivalentTo(O200kBpe.SpecialTokens);
    }

    [Fact]
    public void Every_text_file_of_the_repository_counts_the_same()
    {
        var root = RepositoryFolders.Root;
        var files = new[] { "scenarios", "docs", "environments", Path.Combine("tests", "Gym.Learning.Tests", "Fixtures") }
            .Select(folder => Path.Combine(root, folder))
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .Where(path => Path.GetExtension(path) is ".yaml" or ".yml" or ".md" or ".json" or ".jsonl" or ".txt" or ".jinja" or ".csv" or ".tsv" || path.EndsWith(".json.gz", StringComparison.Ordinal))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        files.Should().Contain(path => path.Contains($"{Path.DirectorySeparatorChar}scenarios{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        var texts = new List<string>();
        foreach (var path in files)
        {
            if (path.EndsWith(".json.gz", StringComparison.Ordinal))
            {
                // A Hugging Face tokenizer's vocabulary and merges: every quoted string of it, one text each.
                using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
                using var reader = new StreamReader(gzip);
                texts.AddRange(reader.ReadToEnd().Split('"'));
                continue;
            }

            var text = File.ReadAllText(path);
            texts.Add(text);
            texts.AddRange(text.Split('\n'));
        }

        ShouldCountTheSame(texts);
    }

    [Fact]
    public void A_random_corpus_counts_the_same()
    {
        var random = new Random(20261207);
        var texts = new List<string>(120_000);
        for (var i = 0; i < 100_000; i++)
        {
            texts.Add(RandomText(random, random.Next(1, 48)));
        }

        // Long texts: pieces past the stack buffers, long whitespace and letter runs.
        for (var i = 0; i < 2_000; i++)
        {
            texts.Add(RandomText(random, random.Next(100, 1_500)));
        }

        foreach (var pool in Pools)
        {
            for (var length = 1; length <= 300; length += 7)
            {
                texts.Add(string.Concat(Enumerable.Range(0, length).Select(_ => Pick(random, pool))));
            }
        }

        ShouldCountTheSame(texts);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("\r\n")]
    [InlineData("a \r\n \r\n  b")]
    [InlineData("don't WON'T we'Ll they'RE I'M it's")]
    [InlineData("x'")]
    [InlineData("12345678901")]
    [InlineData("<|endoftext|>")]
    [InlineData("a<|endofprompt|>b<|endoftext|><|endoftext|>")]
    [InlineData("<|endof<|endoftext|>")]
    [InlineData("\ud800")]
    [InlineData("a\udc00b \ud83d")]
    [InlineData("\ufffd\ufffd")]
    [InlineData("e\u0301\u0301 \u0301")]
    [InlineData("ǅungla ǅ Ǆ")]
    [InlineData("path/to//file\r\n/")]
    public void Edge_cases_count_the_same(string text)
    {
        ShouldCountTheSame([text]);
    }

    private static readonly string[] Pools =
    [
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        " ",
        " \t\r\n",
        "\u00a0\u2003\u3000\u0085\u2028\u2029\v\f\u1680\u202f",
        "'’sStTrReEvVmMlLdD",
        ".,;:!?/()[]{}<>|-_+=*&^%$#@~`\"\\",
        "こんにちは世界漢字中文한국어ภาษาไทย",
        "😀👍🏽🇫🇷👨‍👩‍👧🦀",
        "\u0301\u0308\u0327\u20dd\u0903\u093f\u0e31",
        "éàüßøÅÆŒçñЖжΩω",
        "ǅǈǋʰˆ々〻ᵃ",
        "²³¼Ⅻ٣੩㊿",
        "\ufffd",
        "\ud800\udc00\udfff\udbff",
        "ſKİıﬁ",
        "<|",
    ];

    private static string Pick(Random random, string pool)
    {
        var at = random.Next(pool.Length);

        // Keep surrogate pairs whole, except in the pool that exists to break them.
        if (pool != Pools[15] && char.IsSurrogate(pool[at]))
        {
            at = char.IsHighSurrogate(pool[at]) ? at : at - 1;
            return pool.Substring(at, 2);
        }

        return pool[at].ToString();
    }

    private static string RandomText(Random random, int pieces)
    {
        var text = new StringBuilder();
        for (var i = 0; i < pieces; i++)
        {
            var pool = Pools[random.Next(Pools.Length)];
            if (pool == "<|")
            {
                text.Append(random.Next(3) switch { 0 => "<|endoftext|>", 1 => "<|endofprompt|>", _ => "<|endof" });
                continue;
            }

            // Runs of one class as well as single characters, so whitespace and letter runs get long.
            var run = random.Next(4) == 0 ? random.Next(2, 12) : 1;
            for (var k = 0; k < run; k++)
            {
                text.Append(Pick(random, pool));
            }
        }

        return text.ToString();
    }

    private static TiktokenTokenizer LoadLibrary() => TiktokenTokenizer.CreateForEncoding("o200k_base");

    [Fact]
    public void A_text_counts_the_same_before_and_after_its_pieces_are_remembered()
    {
        // A fresh counter (an empty table of merged pieces), texts whose pieces need merges, counted cold, then
        // again after thousands of other pieces have churned the table's slots, then warm in reverse order.
        var counter = O200kBpe.Load();
        var random = new Random(7);
        var texts = Enumerable.Range(0, 5_000).Select(_ => RandomText(random, random.Next(1, 24))).ToList();
        texts.AddRange(["\"}}</tool_call>", "<think>[plan 2/4] Step 3 of 3: 1603 * 3.</think>", ">{\"name\":\"calculator\",\"arguments\":{\"expression\":\""]);
        var cold = texts.Select(t => counter.CountTokens(t)).ToList();

        var warm = Enumerable.Range(0, texts.Count).Reverse().Select(i => counter.CountTokens(texts[i])).Reverse().ToList();
        var again = texts.Select(t => counter.CountTokens(t)).ToList();

        warm.Should().Equal(cold);
        again.Should().Equal(cold);
        cold.Should().Equal(texts.Select(t => Ours.Value.CountTokens(t)));
    }

    private static void ShouldCountTheSame(List<string> texts)
    {
        var library = LoadLibrary();
        var differences = new List<string>();
        foreach (var text in texts)
        {
            var ours = Ours.Value.CountTokens(text);
            var expected = library.CountTokens(text);
            if (ours != expected && O200kBpe.SpecialTokens.Any(s => text.Contains(s, StringComparison.Ordinal)))
            {
                // The library counts a special token as one only while the token is in its piece cache, where it
                // puts the special tokens when it is created: once enough other pieces have evicted it, the same
                // text counts "<|", "end", "of", "text", "|>" instead. A fresh instance says what it means to count.
                expected = LoadLibrary().CountTokens(text);
            }

            if (ours != expected && differences.Count < 10)
            {
                differences.Add($"ours {ours}, library {expected}: {string.Join(' ', text.Take(200).Select(c => ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)))}");
            }
        }

        differences.Should().BeEmpty($"all {texts.Count} texts must count the same");
    }
}
