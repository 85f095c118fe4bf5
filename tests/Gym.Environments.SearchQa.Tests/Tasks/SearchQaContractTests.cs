using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Testing;

namespace Gym.Environments.SearchQa.Tests.Tasks;

/// <summary>The environment contract on generated multi-hop questions (Search-R1 tags).</summary>
public sealed class SyntheticSearchQaContractTests : ExpertContractTests
{
    private static readonly Dictionary<string, string> Parameters = new() { ["documents"] = "1000", ["questions"] = "200" };

    protected override IEnvironment CreateEnvironment() => SearchQaTestData.Registry().Make(SearchQaEnvironments.Synthetic, new EnvironmentParameters(Parameters));

    protected override IPolicy CreateExpert() => SearchQaTestData.Registry().Get(SearchQaEnvironments.Synthetic).CreateExpert!(new EnvironmentParameters(Parameters), new ExpertSettings());
}

/// <summary>The environment contract on file-based questions with JSON tool calls and a one-turn limit (too short for the expert, which searches first).</summary>
public sealed class FileSearchQaContractTests : EnvironmentContractTests
{
    private static Dictionary<string, string> Parameters => new()
    {
        ["questions"] = SearchQaTestData.ScenarioData("questions.jsonl"),
        ["corpus"] = SearchQaTestData.ScenarioData("corpus.jsonl"),
        ["format"] = "json-tool-calls",
        ["max_turns"] = "1",
    };

    protected override IEnvironment CreateEnvironment() => SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, new EnvironmentParameters(Parameters));
}

/// <summary>The environment contract on file-based questions with JSON tool calls and the default turn limit, with the expert.</summary>
public sealed class FileSearchQaExpertContractTests : ExpertContractTests
{
    private static EnvironmentParameters Parameters => new(new Dictionary<string, string>
    {
        ["questions"] = SearchQaTestData.ScenarioData("questions.jsonl"),
        ["corpus"] = SearchQaTestData.ScenarioData("corpus.jsonl"),
        ["format"] = "json-tool-calls",
    });

    protected override IEnvironment CreateEnvironment() => SearchQaTestData.Registry().Make(SearchQaEnvironments.Files, Parameters);

    protected override IPolicy CreateExpert() => SearchQaTestData.Registry().Get(SearchQaEnvironments.Files).CreateExpert!(Parameters, new ExpertSettings());
}
