using System.Text;
using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Data;

public sealed class HotpotQaTests
{
    [Fact]
    public void Questions_carry_answer_supporting_titles_in_order_and_type()
    {
        var questions = HotpotQa.Read(Fixture.Path("hotpotqa-dev.json"));

        questions.Should().HaveCount(3);
        questions[0].Should().BeEquivalentTo(new QaExample(
            "5a8b57f25542995d1e6f1371", "Were Scott Derrickson and Ed Wood of the same nationality?", ["yes"], ["Scott Derrickson", "Ed Wood"], HopKind.Comparison, [])
        {
            Tags = new Dictionary<string, string> { ["type"] = "comparison", ["level"] = "hard" },
        });
        questions[1].SupportingTitles.Should().Equal("Radio City (Indian radio station)");
        questions[1].Kind.Should().Be(HopKind.Bridge);
        questions[2].Answers.Should().Equal("Chief of Protocol");
        questions[2].SupportingTitles.Should().Equal("Kiss and Tell (1945 film)", "Shirley Temple");
    }

    [Fact]
    public void The_context_paragraphs_become_a_corpus_deduplicated_by_title()
    {
        var data = HotpotQa.ReadWithContext(Fixture.Path("hotpotqa-dev.json"));

        data.Questions.Should().HaveCount(3);
        data.Documents.Select(d => d.Title).Should().Equal(
            "Ed Wood (film)", "Scott Derrickson", "Ed Wood", "Radio City (Indian radio station)", "Kiss and Tell (1945 film)", "Shirley Temple");
        data.Documents.Select(d => d.Id).Should().Equal("hotpot-000000", "hotpot-000001", "hotpot-000002", "hotpot-000003", "hotpot-000004", "hotpot-000005");
        data.Documents[1].Text.Should().Be(
            "Scott Derrickson (born July 16, 1966) is an American director, screenwriter and producer. He lives in Los Angeles, California. He is best known for directing horror films.");
        // Every supporting title has its paragraph, so the gold documents are in the corpus.
        data.Questions.SelectMany(q => q.SupportingTitles).Should().BeSubsetOf(data.Documents.Select(d => d.Title));
    }

    [Theory]
    [InlineData("hotpotqa-missing-answer.json", 42, "item 1: missing field 'answer'")]
    [InlineData("hotpotqa-wrong-type.json", 77, "item 2: field 'supporting_facts' must be a list of [title, sentence index] pairs")]
    [InlineData("hotpotqa-invalid.json", 80, "not valid JSON (")]
    [InlineData("hotpotqa-not-array.json", 1, "expected a JSON array of HotpotQA items")]
    public void A_broken_item_is_reported_at_the_line_it_starts_on(string file, int line, string reason)
    {
        var path = Fixture.Path(file);

        foreach (var bufferSize in new[] { 16, 100, 1 << 16 })
        {
            var act = () => HotpotQa.Load(path, withContext: true, bufferSize);

            var error = act.Should().Throw<SearchQaDataException>().Which;
            error.Message.Should().StartWith($"{path}:{line}: ", $"with a {bufferSize}-byte buffer").And.Contain(reason);
        }
    }

    [Fact]
    public void Context_is_required_only_when_a_corpus_is_asked_for()
    {
        var path = Fixture.Path("hotpotqa-no-context.json");

        HotpotQa.Read(path).Should().HaveCount(3);
        var act = () => HotpotQa.ReadWithContext(path);
        act.Should().Throw<SearchQaDataException>().Which.Message.Should().StartWith($"{path}:2: item 0: missing field 'context'");
    }

    [Fact]
    public void A_tiny_buffer_reads_the_same_as_a_large_one()
    {
        var path = Fixture.Path("hotpotqa-dev.json");

        var small = HotpotQa.Load(path, withContext: true, bufferSize: 16);
        var large = HotpotQa.Load(path, withContext: true, bufferSize: 1 << 20);

        small.Should().BeEquivalentTo(large, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Line_numbers_stay_right_deep_into_a_long_file()
    {
        // 600 items, one to three lines each, with a byte-order mark; item 437 has no answer.
        var text = new StringBuilder("\uFEFF[\n");
        var lineOfBroken = 0;
        var line = 2;
        for (var i = 0; i < 600; i++)
        {
            if (i == 437)
            {
                lineOfBroken = line;
            }

            var answer = i == 437 ? string.Empty : $"\"answer\": \"a{i}\", ";
            var separator = i < 599 ? "," : string.Empty;
            if (i % 3 == 0)
            {
                text.Append($"{{\"_id\": \"q{i}\", {answer}\"question\": \"Question {i}?\",\n \"supporting_facts\": [[\"T{i}\", 0]],\n \"context\": [[\"T{i}\", [\"Sentence {i}.\"]]]}}{separator}\n");
                line += 3;
            }
            else
            {
                text.Append($"  {{\"_id\": \"q{i}\", {answer}\"question\": \"Question {i}?\", \"context\": []}}{separator}\n");
                line += 1;
            }
        }

        text.Append("]\n");
        var path = Path.Combine(Path.GetTempPath(), $"hotpot-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

            var act = () => HotpotQa.Load(path, withContext: true, bufferSize: 16);

            act.Should().Throw<SearchQaDataException>().Which.Message.Should().StartWith($"{path}:{lineOfBroken}: item 437: missing field 'answer'");
            File.WriteAllText(path, text.ToString().Replace("\"question\": \"Question 437?\"", "\"answer\": \"a437\", \"question\": \"Question 437?\"", StringComparison.Ordinal));
            var data = HotpotQa.Load(path, withContext: true, bufferSize: 16);
            data.Questions.Should().HaveCount(600);
            data.Documents.Should().HaveCount(200);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
