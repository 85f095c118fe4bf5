using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Core.Trajectories;
using Gym.Environments.SearchQa.Data;
using Gym.Environments.SearchQa.Tasks;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Tasks;

public sealed class SearchQaEnvironmentTests
{
    private static EnvironmentParameters Synthetic(string hops = "mixed") => new(new Dictionary<string, string> { ["documents"] = "1000", ["questions"] = "300", ["hops"] = hops });

    private static EnvironmentParameters Files(string questions, string? corpus = null, string extra = "")
    {
        var values = new Dictionary<string, string> { ["questions"] = questions };
        if (corpus is not null)
        {
            values["corpus"] = corpus;
        }

        foreach (var pair in extra.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            values[pair.Split('=')[0]] = pair.Split('=')[1];
        }

        return new(values);
    }

    private static async Task<List<EpisodeRecord>> PlayAsync(string id, EnvironmentParameters parameters, int episodes, double errorRate = 0, Func<IEnvironment, IEnvironment>? wrap = null)
    {
        var registry = SearchQaTestData.Registry();
        var descriptor = registry.Get(id);
        var records = new List<EpisodeRecord>();
        for (var i = 0; i < episodes; i++)
        {
            var environment = registry.Make(id, parameters);
            records.Add(await EpisodeRunner.RunAsync(wrap?.Invoke(environment) ?? environment, descriptor.CreateExpert!(parameters, new ExpertSettings(errorRate, 3)), i, 1000 + i));
        }

        return records;
    }

    [Theory]
    [InlineData("single", 2)]
    [InlineData("bridge", 3)]
    [InlineData("comparison", 3)]
    [InlineData("three-hop", 4)]
    public async Task The_expert_solves_every_kind_with_one_search_per_hop(string hops, int turns)
    {
        var records = await PlayAsync(SearchQaEnvironments.Synthetic, Synthetic(hops), 20);

        records.Should().OnlyContain(r => r.Success && r.Turns.Count == turns && r.StopReason == StopReason.Answered);
        var search = records[0].Turns[0];
        search.Action.Text.Should().Contain("<search>").And.Contain("</search>");
        search.Observation.Should().ContainSingle().Which.Content.Should().StartWith("<information>Doc 1(Title: ").And.EndWith("</information>");
    }

    [Fact]
    public async Task Retrieval_rewards_see_a_hit_on_every_hop_of_the_expert()
    {
        var program = new RewardProgram(
        [
            Component("retrieval_hit"), Component("rank"), Component("repeated_query"), Component("turn_cost", 0.01),
            Component("exact_match", 1, RewardKind.Outcome), Component("token_f1", 0, RewardKind.Outcome), Component("search_r1", 0, RewardKind.Outcome),
        ]);
        var records = await PlayAsync(SearchQaEnvironments.Synthetic, Synthetic("multi-hop"), 20, wrap: _ => Rewarded(program));

        foreach (var record in records)
        {
            var searches = record.Turns.Where(t => t.ToolCalls.Count > 0).ToList();
            searches.Should().OnlyContain(t => t.Breakdown.Find("retrieval_hit")!.Raw == 1 && t.Breakdown.Find("rank")!.Raw > 0.5 && t.Breakdown.Find("repeated_query")!.Raw == 0);
            var last = record.Turns[^1].Breakdown;
            last.Find("exact_match")!.Raw.Should().Be(1);
            last.Find("token_f1")!.Raw.Should().Be(1);
            last.Find("search_r1")!.Raw.Should().Be(1);
            record.TotalReward.Should().BeApproximately(1 + searches.Sum(t => 1 + t.Breakdown.Find("rank")!.Raw) - (0.01 * record.Turns.Count), 1e-9);
        }
    }

    private static IRewardComponent Component(string kind, double weight = 1, RewardKind rewardKind = RewardKind.Process) =>
        SearchQaTestData.Registry().Rewards.Create(new ComponentDefinition(kind, kind, weight, rewardKind, new Dictionary<string, string>()));

    private static SearchQaEnvironment Rewarded(RewardProgram program)
    {
        var options = SearchQaOptions.Synthetic(Synthetic("multi-hop"));
        options = options with { Settings = options.Settings with { Rewards = program } };
        return new SearchQaEnvironment(SearchQaEnvironments.Synthetic, options, SearchQaData.For(options, SearchQaTestData.Index));
    }

    [Fact]
    public async Task Mistakes_include_vague_queries_skipped_hops_and_wrong_answers()
    {
        var records = await PlayAsync(SearchQaEnvironments.Synthetic, Synthetic("three-hop"), 40, errorRate: 0.5);

        records.Count(r => r.Success).Should().BeInRange(1, 39, "a 50% mistake rate fails some episodes and not all");
        var planned = records.SelectMany(r => r.Turns).Where(t => t.ToolCalls.Count > 0).Select(t => t.ToolCalls[0].Call.Arguments.GetProperty("query").GetString()!).ToList();
        planned.Should().Contain(q => !q.Contains(' ', StringComparison.Ordinal), "a vague query is the hop's relation word alone");
        records.Should().Contain(r => !r.Success && r.StopReason == StopReason.Answered && r.Turns.Count < 4, "an early (skipped-hop) answer");
    }

    [Fact]
    public async Task Open_reads_a_document_by_title_or_id_and_explains_unknown_ones()
    {
        var registry = SearchQaTestData.Registry();
        var environment = registry.Make(SearchQaEnvironments.Files, Files(SearchQaTestData.ScenarioData("questions.jsonl"), SearchQaTestData.ScenarioData("corpus.jsonl"), "max_turns=5"));
        await environment.ResetAsync(0);

        var byTitle = await environment.StepAsync("<open>Zorba Institute</open>");
        var byId = await environment.StepAsync("<open>3</open>");
        var unknown = await environment.StepAsync("<open>Atlantis</open>");

        byTitle.Observation[0].Content.Should().StartWith("<information>Doc 1(Title: Zorba Institute) The Zorba Institute is a research institute");
        byId.Observation[0].Content.Should().Contain("(Title: Mara Vent)");
        unknown.Observation[0].Content.Should().Contain("no document has the id or title 'Atlantis'");
    }

    [Fact]
    public async Task The_turns_left_hint_ends_observations_when_asked()
    {
        var registry = SearchQaTestData.Registry();
        var environment = registry.Make(SearchQaEnvironments.Files, Files(SearchQaTestData.ScenarioData("questions.jsonl"), SearchQaTestData.ScenarioData("corpus.jsonl"), "max_turns=3,hint=true"));
        await environment.ResetAsync(0);

        (await environment.StepAsync("<search>Zorba Institute</search>")).Observation[^1].Content.Should().Be("[HINT] You have 2 turns left.");
        (await environment.StepAsync("<search>Mara Vent</search>")).Observation[^1].Content.Should().Be("[HINT] You must answer the question in the next turn.");
    }

    [Fact]
    public async Task File_questions_with_a_corpus_and_HotpotQA_with_its_context_are_playable()
    {
        var flashRag = await PlayAsync(SearchQaEnvironments.Files, Files(SearchQaTestData.ScenarioData("questions.jsonl"), SearchQaTestData.ScenarioData("corpus.jsonl")), 12);
        var hotpot = await PlayAsync(SearchQaEnvironments.Files, Files(SearchQaTestData.ScenarioData("hotpotqa-mini.json")), 6);

        flashRag.Should().OnlyContain(r => r.Success, "the expert searches the question and answers the gold answer");
        hotpot.Should().OnlyContain(r => r.Success);
        hotpot.Select(r => r.ResetInfo.Get("question_id", "")).Distinct().Should().HaveCountGreaterThan(1);
    }

    [Fact]
    public void Bad_files_and_missing_corpora_are_reported_with_their_file()
    {
        var registry = SearchQaTestData.Registry();
        var noCorpus = () => registry.Make(SearchQaEnvironments.Files, Files(SearchQaTestData.ScenarioData("questions.jsonl")));
        var broken = () => registry.Make(SearchQaEnvironments.Files, Files(SearchQaTestData.ScenarioData("questions.jsonl"), SearchQaTestData.Fixture("corpus-missing-field.jsonl")));
        var missingQuestions = () => registry.Make(SearchQaEnvironments.Files, EnvironmentParameters.None);

        noCorpus.Should().Throw<SearchQaDataException>().WithMessage("*questions.jsonl*give a corpus file (parameter 'corpus')*");
        broken.Should().Throw<SearchQaDataException>().WithMessage("*corpus-missing-field.jsonl:*missing field*");
        missingQuestions.Should().Throw<EnvironmentParameterException>().WithMessage("*needs parameter 'questions'*");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_question_and_trajectory()
    {
        var first = await PlayAsync(SearchQaEnvironments.Synthetic, Synthetic(), 5, errorRate: 0.3);
        var second = await PlayAsync(SearchQaEnvironments.Synthetic, Synthetic(), 5, errorRate: 0.3);

        first.Select(TrajectoryJson.Serialize).Should().Equal(second.Select(TrajectoryJson.Serialize));
    }
}
