using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;
using Parquet;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Data;

/// <summary>One fixture per public layout, nested as the published files are.</summary>
public sealed class FormatTests
{
    [Fact]
    public void FlashRAG_2WikiMultihopQA_reads_list_answers_numbers_types_and_supporting_titles()
    {
        var questions = QuestionLoader.Read(Fixture.Path("flashrag-2wikimultihopqa.jsonl"));

        questions[0].Answers.Should().Equal("Arthur Conan Doyle");
        questions[1].Answers.Should().Equal("Xawery Żuławski");
        questions[2].Answers.Should().Equal("11", "eleven");
        questions[3].Answers.Should().Equal("no");
        questions[0].SupportingTitles.Should().Equal("Arthur Conan Doyle", "Penelope Lively");
        questions.Select(q => q.Kind).Should().Equal(HopKind.Comparison, HopKind.Bridge, HopKind.Bridge, HopKind.Comparison);
        questions[0].Tags.Should().Equal(new Dictionary<string, string> { ["type"] = "comparison" }, "FlashRAG keeps the row's type under metadata");
    }

    [Fact]
    public void FlashRAG_Bamboogle_reads()
    {
        var questions = QuestionLoader.Read(Fixture.Path("flashrag-bamboogle.jsonl"));

        questions.Select(q => (q.Id, q.Answers[0])).Should().Equal(("test_0", "james madison"), ("test_1", "Titan IIIE"), ("test_2", "20 June 1837"));
    }

    [Fact]
    public void A_2Wiki_answer_given_as_a_list_is_every_alias()
    {
        var questions = QuestionLoader.Read(Fixture.Path("2wikimultihopqa-answer-list.jsonl"));

        questions[0].Answers.Should().Equal("Małgorzata Braunek", "Malgorzata Braunek");
        questions[1].Answers.Should().Equal("The Mask Of Fu Manchu");
        questions[2].Answers.Should().Equal("12 June 1516");
        questions[0].SupportingTitles.Should().Equal("Polish-Russian War (film)", "Xawery Żuławski");
    }

    [Fact]
    public void Search_R1_verl_rows_in_JSONL_take_the_last_user_message_and_the_reward_target()
    {
        var questions = QuestionLoader.Read(Fixture.Path("search-r1-rows.jsonl"));

        questions.Select(q => q.Id).Should().Equal("test_0", "1", "2");
        questions[0].Question.Should().Be("who got the first nobel prize in physics?");
        questions[1].Question.Should().Be("when is the next deadpool movie being released?");
        questions[1].Answers.Should().Equal("May 18, 2018");
        questions[2].Answers.Should().Equal("Sunset Boulevard");
        questions.Select(q => q.Tags["data_source"]).Should().Equal(["nq", "nq", "triviaqa"], "the summary reports metrics per data_source");
    }

    [Fact]
    public void Search_R1_verl_rows_in_Parquet_read_with_the_public_nesting()
    {
        var questions = ParquetQuestions.Read(Fixture.Path(SearchR1Parquet.FileName));

        questions.Should().HaveCount(SearchR1Parquet.Rows.Count);
        questions.Select(q => q.Id).Should().Equal("0", "1", "2", "3");
        questions[0].Question.Should().EndWith("Question: who got the first nobel prize in physics?\n");
        questions.Select(q => q.Answers).Should().BeEquivalentTo(SearchR1Parquet.Rows.Select(r => r.RewardModel.GroundTruth.Target), o => o.WithStrictOrdering());
        QuestionLoader.Read(Fixture.Path(SearchR1Parquet.FileName)).Should().BeEquivalentTo(questions);
        questions.Select(q => q.Tags.GetValueOrDefault("data_source")).Should().Equal(SearchR1Parquet.Rows.Select(r => r.DataSource));
    }

    [Fact]
    public async Task The_committed_Parquet_fixture_has_the_public_schema_and_is_what_the_generator_writes()
    {
        if (Environment.GetEnvironmentVariable("GYM_UPDATE_FIXTURES") == "1")
        {
            await SearchR1Parquet.WriteAsync(SearchR1Parquet.CommittedPath);
        }

        await using var reader = await ParquetReader.CreateAsync(Fixture.Path(SearchR1Parquet.FileName));
        var paths = reader.Schema.GetDataFields().Select(f => f.Path.ToString()).ToList();
        paths.Should().Equal(
            "data_source",
            "prompt/list/element/role",
            "prompt/list/element/content",
            "ability",
            "reward_model/style",
            "reward_model/ground_truth/target/list/element",
            "extra_info/split",
            "extra_info/index");
    }

    [Fact]
    public void HotpotQA_JSONL_rows_with_their_own_context_in_either_shape_form_a_corpus()
    {
        var data = QuestionLoader.ReadJsonLinesWithContext(Fixture.Path("hotpotqa-with-context.jsonl"));

        data.Questions.Select(q => q.Answers[0]).Should().Equal("yes", "Chief of Protocol");
        data.Questions[1].SupportingTitles.Should().Equal("Kiss and Tell (1945 film)", "Shirley Temple");
        data.Documents.Select(d => d.Title).Should().Equal("Ed Wood (film)", "Scott Derrickson", "Ed Wood", "Kiss and Tell (1945 film)", "Shirley Temple");
        data.Documents[^1].Text.Should().Contain("American actress. As an adult");
    }

    [Fact]
    public void MuSiQue_paragraphs_form_a_corpus_and_supporting_ones_are_the_supporting_titles()
    {
        var data = QuestionLoader.ReadJsonLinesWithContext(Fixture.Path("musique-ans.jsonl"));

        data.Questions.Select(q => q.Answers[0]).Should().Equal("Kampala", "Catherine the Great");
        data.Questions[0].SupportingTitles.Should().Equal("Owen Falls Dam", "Uganda");
        data.Documents.Select(d => d.Title).Should().Equal("Lake Victoria", "Owen Falls Dam", "Uganda", "Green", "Hermitage Museum");
    }

    [Fact]
    public void A_syntax_error_in_a_one_line_HotpotQA_array_names_the_item_and_the_byte()
    {
        var path = Fixture.Path("hotpotqa-one-line-invalid.json");

        var act = () => HotpotQa.Read(path);

        act.Should().Throw<SearchQaDataException>().Which.Message.Should().StartWith($"{path}:1: item 1: not valid JSON").And.MatchRegex("at byte [0-9]+ of the line$");
    }

    [Theory]
    [InlineData("""{"prompt": [{"role": "user", "content": "Q?"}], "reward_model": {"style": "rule", "ground_truth": {}}}""", "missing field 'reward_model.ground_truth.target'")]
    [InlineData("""{"prompt": [{"role": "system", "content": "be brief"}], "reward_model": {"style": "rule", "ground_truth": {"target": ["x"]}}}""", "field 'prompt' has no user message with content")]
    [InlineData("""{"question": "Q?", "answer": [{"text": "x"}]}""", "field 'answer' must hold strings or numbers, not an object")]
    [InlineData("""{"question": "Q?", "answer": []}""", "field 'answer' is empty")]
    [InlineData("""{"question": "Q?", "paragraphs": [{"title": "T"}], "answer": "x"}""", "field 'paragraphs' must be a list of")]
    public void Bad_rows_name_the_file_the_line_and_the_field(string row, string reason)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gym-rows-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, ["""{"question": "fine?", "answer": "yes"}""", row]);
        try
        {
            var act = () => QuestionLoader.Read(path);

            act.Should().Throw<SearchQaDataException>().Which.Message.Should().StartWith($"{path}:2: {reason}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
