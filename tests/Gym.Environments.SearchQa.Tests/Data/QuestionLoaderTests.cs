using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Data;

public sealed class QuestionLoaderTests
{
    [Fact]
    public void A_flashrag_jsonl_file_gives_questions_answers_supporting_titles_and_kinds()
    {
        var questions = QuestionLoader.Read(Fixture.Path("flashrag-questions.jsonl"));

        questions.Should().HaveCount(4);
        questions[0].Should().BeEquivalentTo(new QaExample("test_0", "who got the first nobel prize in physics?", ["Wilhelm Conrad Röntgen", "Röntgen"], [], HopKind.Unknown, []));
        questions[1].Id.Should().Be("5a8b57f25542995d1e6f1371");
        questions[1].Answers.Should().Equal("yes");
        questions[1].SupportingTitles.Should().Equal("Scott Derrickson", "Ed Wood");
        questions[1].Kind.Should().Be(HopKind.Comparison);
        questions[2].Should().BeEquivalentTo(new QaExample("line-4", "How many moons does Mars have?", ["2"], [], HopKind.Unknown, []));
        questions[3].Id.Should().Be("5a8c7595554299585d9e36b6");
        questions[3].SupportingTitles.Should().Equal("Radio City (Indian radio station)");
        questions[3].Kind.Should().Be(HopKind.Bridge);
    }

    [Theory]
    [InlineData("questions-invalid-json.jsonl", 2, "not valid JSON (")]
    [InlineData("questions-missing-field.jsonl", 2, "missing field 'golden_answers' (or 'answer', or 'reward_model.ground_truth.target')")]
    [InlineData("questions-missing-question.jsonl", 1, "missing field 'question'")]
    [InlineData("questions-wrong-type.jsonl", 3, "field 'golden_answers' must be a string, a number or a list of them, not an object")]
    [InlineData("questions-duplicate-id.jsonl", 3, "duplicate id 'q1' (first on line 1)")]
    [InlineData("questions-not-json.csv", 1, "expected JSONL (one JSON object per line) or a HotpotQA JSON array")]
    public void A_broken_line_is_reported_with_its_file_line_and_field(string file, int line, string reason)
    {
        var path = Fixture.Path(file);

        var act = () => QuestionLoader.Read(path);

        var error = act.Should().Throw<SearchQaDataException>().Which;
        error.Message.Should().StartWith($"{path}:{line}: ").And.Contain(reason);
        error.Line.Should().Be(line);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Fixture.Path("no-such-questions.jsonl");

        var act = () => QuestionLoader.Read(path);

        act.Should().Throw<SearchQaDataException>().WithMessage($"{path}: file not found");
    }

    [Fact]
    public void A_hotpotqa_array_is_recognised_by_its_content()
    {
        var questions = QuestionLoader.Read(Fixture.Path("hotpotqa-dev.json"));

        questions.Select(q => q.Id).Should().Equal("5a8b57f25542995d1e6f1371", "5a8c7595554299585d9e36b6", "5a85ea095542994775f606a8");
    }
}
