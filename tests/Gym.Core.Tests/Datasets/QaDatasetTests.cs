using FluentAssertions;
using Gym.Core.Datasets;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Core.Tests.Datasets;

public sealed class QaDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-qa-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "q.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Reads_golden_answers_lists_and_single_answers_and_skips_blank_lines()
    {
        var path = Write(
            """{"id": "a", "question": "Q1?", "golden_answers": ["x", "y"]}""",
            "",
            """{"question": "Q2?", "answer": 42}""");

        var items = QaDataset.Load(path);

        items.Select(i => (i.Line, i.Id, i.Question)).Should().Equal((1, "a", "Q1?"), (3, "3", "Q2?"));
        items[0].Answers.Should().Equal("x", "y");
        items[1].Answers.Should().Equal("42");
    }

    [Fact]
    public void Reads_answer_lists_as_2Wiki_and_Bamboogle_give_them_and_verl_rows()
    {
        var path = Write(
            """{"_id": "w1", "type": "comparison", "question": "Who was born first?", "answer": ["Arthur Conan Doyle", "Conan Doyle"]}""",
            """{"id": "test_0", "question": "Q2?", "golden_answers": ["james madison"], "metadata": {"type": "bridge"}}""",
            """{"data_source": "nq", "prompt": [{"role": "system", "content": "brief"}, {"role": "user", "content": "Q3?"}], "ability": "fact-reasoning", "reward_model": {"style": "rule", "ground_truth": {"target": ["a", "b"]}}, "extra_info": {"index": 7, "split": "test"}}""",
            """{"prompt": [{"role": "user", "content": "Q4?"}], "reward_model": {"style": "rule", "ground_truth": {"target": "c"}}}""");

        var items = QaDataset.Load(path);

        items.Select(i => (i.Id, i.Question)).Should().Equal(("w1", "Who was born first?"), ("test_0", "Q2?"), ("7", "Q3?"), ("4", "Q4?"));
        items[0].Answers.Should().Equal("Arthur Conan Doyle", "Conan Doyle");
        items[2].Answers.Should().Equal("a", "b");
        items[3].Answers.Should().Equal("c");
    }

    [Theory]
    [InlineData("""{"question": "Q?", "answer": [{"x": 1}]}""", ":2: field \"answer\" must be a string, a number or a list of them")]
    [InlineData("""{"prompt": [{"role": "user", "content": "Q?"}], "reward_model": {"ground_truth": {}}}""", ":2: missing field \"reward_model.ground_truth.target\"")]
    [InlineData("""{"golden_answers": ["x"]}""", ":2: missing field \"question\"")]
    [InlineData("""{"question": "Q?"}""", ":2: missing field \"golden_answers\" (or \"answer\", or \"reward_model.ground_truth.target\")")]
    [InlineData("""{"question": "Q?", "golden_answers": []}""", ":2: field \"golden_answers\" must be a non-empty list")]
    [InlineData("""{"question": "Q?", "golden_answers": ["x"]""", ":2: not valid JSON")]
    [InlineData("[1, 2]", ":2: expected a JSON object")]
    public void Errors_name_the_file_the_line_and_the_field(string badLine, string expected)
    {
        var path = Write("""{"question": "fine?", "answer": "yes"}""", badLine);

        var load = () => QaDataset.Load(path);

        load.Should().Throw<QaDatasetException>().Which.Message.Should().StartWith(path).And.Contain(expected);
    }

    [Fact]
    public void An_empty_file_is_an_error()
    {
        var load = () => QaDataset.Load(Write("", "  "));
        load.Should().Throw<QaDatasetException>().WithMessage("*has no questions*");
    }

    [Theory]
    [InlineData("The Eiffel Tower!", "eiffel tower", true)]
    [InlineData("  an   apple. ", "Apple", true)]
    [InlineData("Paris, France", "Paris", false)]
    public void Exact_match_uses_squad_normalization(string answer, string gold, bool expected) =>
        ExactMatch.Matches(answer, [gold]).Should().Be(expected);

    [Fact]
    public async Task The_environment_scores_exact_match_and_its_expert_answers_correctly()
    {
        var environment = new QaDatasetEnvironment("test/qa", QaDataset.Load(Write(
            """{"question": "Capital of Egypt?", "golden_answers": ["Cairo", "Al-Qahira"]}""")));
        var expert = new PlanExpert(environment, new ExpertSettings());

        var solved = await EpisodeRunner.RunAsync(environment, expert, 0, 1);
        await environment.ResetAsync(2);
        var wrong = await environment.StepAsync("<answer>Alexandria</answer>");

        solved.Success.Should().BeTrue();
        solved.Turns.Should().ContainSingle().Which.Breakdown.Find("exact_match")!.Raw.Should().Be(1);
        wrong.Terminated.Should().BeTrue();
        wrong.Breakdown.Find("exact_match")!.Raw.Should().Be(0);
    }
}
