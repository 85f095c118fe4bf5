using FluentAssertions;
using Gym.Learning.Model;
using Gym.Learning.Tokenization;
using Xunit;

namespace Gym.Learning.Tests.Tokenization;

public sealed class ByteTokenizerTests
{
    private static readonly ByteTokenizer Tokenizer = ByteTokenizer.Instance;

    [Theory]
    [InlineData("")]
    [InlineData("hello, world")]
    [InlineData("naïve café — 日本語 🙂")]
    [InlineData("<|im_start|>user\nadd 2 and 3<|im_end|>\n<|im_start|>assistant\n")]
    public void Text_round_trips(string text) => Tokenizer.Decode(Tokenizer.Encode(text)).Should().Be(text);

    [Fact]
    public void Bytes_are_ids_and_special_tokens_are_single_ids()
    {
        Tokenizer.Encode("hi").Should().Equal(104, 105);
        Tokenizer.Encode("é").Should().Equal(0xC3, 0xA9);
        Tokenizer.Encode("a<|eos|>").Should().Equal(97, Tokenizer.EosId);
        Tokenizer.Encode("<|im_start|><|im_end|>").Should().Equal(259, 260);
        Tokenizer.EosId.Should().Be(258);
        Tokenizer.PadId.Should().Be(256);
        Tokenizer.BosId.Should().Be(257);
    }

    [Fact]
    public void Special_token_strings_stay_plain_text_when_not_parsed()
    {
        var ids = Tokenizer.Encode("a<|im_end|>", parseSpecialTokens: false);

        ids.Should().HaveCount(11).And.OnlyContain(id => id < ByteTokenizer.ByteCount);
        Tokenizer.Decode(ids).Should().Be("a<|im_end|>");
    }

    [Fact]
    public void The_vocabulary_fits_the_tiny_preset()
    {
        Tokenizer.VocabSize.Should().Be(PolicyConfig.Tiny.VocabSize);
        Tokenizer.SpecialTokens.Values.Should().OnlyContain(id => id >= 256 && id < Tokenizer.VocabSize);
    }

    [Fact]
    public void A_broken_utf8_sequence_decodes_to_a_replacement_character_and_bad_ids_are_refused()
    {
        Tokenizer.Decode([0xC3]).Should().Be("\uFFFD");
        var decode = () => Tokenizer.Decode([264]);
        decode.Should().Throw<ArgumentOutOfRangeException>();
    }
}
