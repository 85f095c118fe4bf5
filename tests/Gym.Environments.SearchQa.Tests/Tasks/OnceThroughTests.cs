using FluentAssertions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Seeding;
using Gym.Core.Trajectories;
using Gym.Environments.SearchQa.Tests.Data;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Tasks;

/// <summary>
/// <c>order: sequential | shuffled</c> plays every question of a file exactly once per pass, as the rollout runtime
/// drives it: episode k's seed is <see cref="SeededRandom.EpisodeSeed"/>(run seed, k) and the run seed is the reserved
/// parameter <see cref="EnvironmentParameters.RunSeedKey"/> of the environment and the expert.
/// </summary>
public sealed class OnceThroughTests
{
    private const long RunSeed = 20;

    private static async Task<List<EpisodeRecord>> PlayOnceThroughAsync(Dictionary<string, string> values, int episodes)
    {
        var registry = SearchQaTestData.Registry();
        var parameters = new EnvironmentParameters(EnvironmentParameters.WithRunSeed(values, RunSeed));
        var expert = registry.Get(SearchQaEnvironments.Files).CreateExpert!(parameters, new ExpertSettings(0, 3));
        var records = new List<EpisodeRecord>();
        for (var k = 0; k < episodes; k++)
        {
            records.Add(await EpisodeRunner.RunAsync(registry.Make(SearchQaEnvironments.Files, parameters), expert, k, SeededRandom.EpisodeSeed(RunSeed, k)));
        }

        return records;
    }

    private static string QuestionId(EpisodeRecord record) => record.ResetInfo.Get("question_id", "");

    [Theory]
    [InlineData("flashrag-2wikimultihopqa.jsonl", "search-r1-corpus.jsonl", 4)]
    [InlineData(SearchR1Parquet.FileName, "search-r1-corpus.jsonl", 4)]
    [InlineData("hotpotqa-dev.json", null, 3)]
    [InlineData("hotpotqa-with-context.jsonl", null, 2)]
    [InlineData("musique-ans.jsonl", null, 2)]
    public async Task The_expert_plays_each_question_once_at_full_exact_match(string questions, string? corpus, int count)
    {
        var values = new Dictionary<string, string> { ["questions"] = SearchQaTestData.Fixture(questions), ["order"] = "sequential" };
        if (corpus is not null)
        {
            values["corpus"] = SearchQaTestData.Fixture(corpus);
        }

        var records = await PlayOnceThroughAsync(values, count);

        records.Should().OnlyContain(r => r.Success, "the expert answers the gold answer");
        records.Select(QuestionId).Should().OnlyHaveUniqueItems().And.HaveCount(count);
    }

    [Fact]
    public async Task Sequential_follows_file_order_and_shuffled_covers_every_question_once_per_pass()
    {
        var file = SearchQaTestData.Fixture("flashrag-2wikimultihopqa.jsonl");
        var corpus = SearchQaTestData.Fixture("search-r1-corpus.jsonl");
        var ids = Gym.Environments.SearchQa.Data.QuestionLoader.Read(file).Select(q => q.Id).ToList();

        var sequential = await PlayOnceThroughAsync(new() { ["questions"] = file, ["corpus"] = corpus, ["order"] = "sequential" }, 2 * ids.Count);
        var shuffled = await PlayOnceThroughAsync(new() { ["questions"] = file, ["corpus"] = corpus, ["order"] = "shuffled" }, 2 * ids.Count);

        sequential.Select(QuestionId).Should().Equal([.. ids, .. ids]);
        shuffled.Take(ids.Count).Select(QuestionId).Should().BeEquivalentTo(ids);
        shuffled.Skip(ids.Count).Select(QuestionId).Should().BeEquivalentTo(ids);
    }

    [Fact]
    public void A_bad_order_is_a_parameter_error()
    {
        var make = () => SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, new EnvironmentParameters(new Dictionary<string, string> { ["questions"] = SearchQaTestData.Fixture("hotpotqa-dev.json"), ["order"] = "random" }));

        make.Should().Throw<EnvironmentParameterException>().WithMessage("*'order' must be sample, sequential or shuffled*");
    }
}
