using System.Text.Json;
using FluentAssertions;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Core.Tools;
using Gym.Core.Trajectories;
using Gym.Environments.SearchQa.Rewards;
using Gym.Environments.SearchQa.Tests.Tasks;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Rewards;

/// <summary>Search results carry their documents as data, rewards read the data, and the data survives a rollout file.</summary>
public sealed class RetrievedDocumentsTests
{
    private static readonly StageReference Stage = new([new ObjectiveReference(["Mara Vent"]) { SupportingDocuments = ["Zorba Institute"] }], []);

    private static EnvironmentParameters Files(string extra = "") => EnvironmentParameters.Parse(
        [$"questions={SearchQaTestData.ScenarioData("questions.jsonl")}", $"corpus={SearchQaTestData.ScenarioData("corpus.jsonl")}", .. extra.Length > 0 ? extra.Split(',') : []]);

    [Fact]
    public async Task A_search_result_carries_its_ranked_documents_with_ids_titles_and_shown_text()
    {
        var environment = SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, Files("max_turns=5"));
        await environment.ResetAsync(0);

        var step = await environment.StepAsync("<search>Zorba Institute</search>");

        var invocation = step.ToolCalls.Should().ContainSingle().Subject;
        invocation.Result.Data.Should().NotBeNull();
        var documents = RetrievedDocuments.Of(invocation);
        documents.Should().NotBeEmpty();
        documents.Select(d => d.Rank).Should().Equal(Enumerable.Range(1, documents.Count));
        documents.Should().OnlyContain(d => !string.IsNullOrEmpty(d.Id));
        documents[0].Title.Should().Be("Zorba Institute");
        foreach (var document in documents)
        {
            invocation.Result.Content.Should().Contain($"Doc {document.Rank}(Title: {document.Title}) {document.Text}\n", "the data points at the text the agent was shown");
        }
    }

    [Fact]
    public async Task Open_results_carry_the_opened_document()
    {
        var environment = SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, Files("max_turns=5"));
        await environment.ResetAsync(0);

        var step = await environment.StepAsync("<open>Zorba Institute</open>");

        var document = RetrievedDocuments.Of(step.ToolCalls[0]).Should().ContainSingle().Subject;
        document.Title.Should().Be("Zorba Institute");
        document.Text.Should().StartWith("The Zorba Institute is a research institute");
    }

    [Fact]
    public async Task Search_r1_results_quote_titles_and_the_data_still_points_at_the_shown_text()
    {
        var environment = SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, Files("max_turns=5,results=search-r1"));
        await environment.ResetAsync(0);

        var search = (await environment.StepAsync("<search>Zorba Institute</search>")).ToolCalls.Single();
        var open = (await environment.StepAsync("<open>Zorba Institute</open>")).ToolCalls.Single();

        var documents = RetrievedDocuments.Of(search);
        documents.Should().NotBeEmpty();
        documents[0].Title.Should().Be("Zorba Institute", "the data holds the title without quotes");
        foreach (var document in documents)
        {
            search.Result.Content.Should().Contain($"Doc {document.Rank}(Title: \"{document.Title}\") {document.Text}\n");
        }

        var opened = RetrievedDocuments.Of(open).Should().ContainSingle().Subject;
        open.Result.Content.Should().StartWith($"<information>Doc 1(Title: \"Zorba Institute\") {opened.Text}");
        opened.Text.Should().StartWith("The Zorba Institute is a research institute");
        SearchResultsText.Parse(search.Result.Content).Select(d => (d.Title, d.Text)).Should().Equal(documents.Select(d => (d.Title, d.Text)), "the legacy text parser strips the quotes");
    }

    [Fact]
    public void An_unknown_results_style_is_a_parameter_error()
    {
        var act = () => SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, Files("results=quoted"));

        act.Should().Throw<EnvironmentParameterException>().WithMessage("*results*gym, search-r1*");
    }

    [Fact]
    public async Task The_data_is_written_to_the_rollout_file_and_read_back_unchanged()
    {
        var environment = SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, Files("max_turns=5"));
        await environment.ResetAsync(0);
        var invocation = (await environment.StepAsync("<search>Mara Vent</search>")).ToolCalls[0];

        var json = JsonSerializer.Serialize(invocation, TrajectoryJson.Options);
        var read = JsonSerializer.Deserialize<ToolInvocation>(json, TrajectoryJson.Options)!;

        json.Should().Contain("\"data\":{\"kind\":\"retrieved_documents\"");
        RetrievedDocuments.Of(read).Should().Equal(RetrievedDocuments.Of(invocation));
        JsonSerializer.Serialize(read, TrajectoryJson.Options).Should().Be(json);
    }

    [Fact]
    public void Rewards_read_the_data_whatever_the_rendering()
    {
        // The same documents rendered in a shape no text parser knows: the data alone makes the hit.
        const string Content = "[1] Quillton: a river city.\n[2] Zorba Institute: founded by Mara Vent.";
        var result = RetrievedDocuments.Result(Content, [(1, "q", "Quillton", 14, 13), (2, "z", "Zorba Institute", 49, 21)]);

        var hits = Score("retrieval_hit", new ToolInvocation(SearchCall("zorba"), result));

        hits.Should().Be(1);
        RetrievedDocuments.Of(new ToolInvocation(SearchCall("zorba"), result)).Select(d => d.Text).Should().Equal("a river city.", "founded by Mara Vent.");
    }

    [Fact]
    public void Results_recorded_before_tools_carried_data_are_read_from_search_and_open_text_only()
    {
        const string Text = "<information>Doc 1(Title: Quillton) A river city.\nDoc 2(Title: Zorba Institute) Founded by Mara Vent.\n</information>";

        Score("rank", new ToolInvocation(SearchCall("zorba"), ToolResult.Ok(Text))).Should().BeApproximately(1 / Math.Log2(3), 1e-12);
        Score("rank", new ToolInvocation(new ToolCall("calculator", JsonDocument.Parse("{}").RootElement), ToolResult.Ok(Text))).Should().Be(0, "only search and open results hold documents");
    }

    [Fact]
    public void Malformed_data_is_an_error_not_zero_documents()
    {
        var result = ToolResult.Ok("x") with { Data = JsonDocument.Parse("""{"kind":"retrieved_documents","documents":[{"rank":1}]}""").RootElement };

        var act = () => RetrievedDocuments.Of(new ToolInvocation(SearchCall("q"), result));

        act.Should().Throw<FormatException>().WithMessage("*retrieved_documents data is malformed*");
    }

    [Fact]
    public void The_search_module_registers_its_components_and_state_keys_and_the_core_has_neither()
    {
        var registry = new EnvironmentRegistry().AddSearchQa();

        registry.Rewards.Kinds.Select(k => k.Kind).Should().Contain(["search_r1", "retrieval_hit", "rank", "repeated_query"]);
        registry.StateKeys.Keys.Select(k => k.Name).Should().Contain(["gold_retrieved", "queries", "answer_retrieved"]);
        RewardComponentRegistry.Core.Find("retrieval_hit").Should().BeNull();
        StateKeyCatalog.Core.TryResolve("gold_retrieved", out _).Should().BeFalse();
        var twice = () => registry.AddSearchQa();
        twice.Should().Throw<ArgumentException>().WithMessage("*already added*");
    }

    [Fact]
    public void A_milestone_on_a_search_key_tracks_the_search_state_and_a_core_program_does_not()
    {
        var registry = new EnvironmentRegistry().AddSearchQa();
        var milestone = registry.Rewards.Create(new ComponentDefinition("milestone", "found", 1, RewardKind.Process, new Dictionary<string, string> { ["when"] = "gold_retrieved >= 1" }));
        var turnCost = registry.Rewards.Create(new ComponentDefinition("turn_cost", "cost", 1, RewardKind.Process, new Dictionary<string, string>()));

        new RewardProgram([milestone]).StateProviders.Should().Equal(SearchState.Provider);
        new RewardProgram([turnCost]).StateProviders.Should().BeEmpty("a program reads no search key, so no episode pays for tracking one");
    }

    private static ToolCall SearchCall(string query) => new("search", JsonDocument.Parse(JsonSerializer.Serialize(new { query })).RootElement);

    private static double Score(string kind, ToolInvocation invocation)
    {
        var registry = new EnvironmentRegistry().AddSearchQa();
        var program = new RewardProgram([registry.Rewards.Create(new ComponentDefinition(kind, kind, 1, RewardKind.Process, new Dictionary<string, string>()))]);
        var episode = program.Begin(new TaskReference([Stage]), "Who founded the Zorba Institute?");
        var turn = new TurnEvent { Turn = 0, MaxTurns = 4, ActionText = "", FormatValid = true, Stage = 0, Calls = [invocation.Call], Invocations = [invocation] };
        return episode.ScoreAsync(turn).AsTask().GetAwaiter().GetResult().Single().Raw;
    }
}
