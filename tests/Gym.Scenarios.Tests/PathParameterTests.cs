using FluentAssertions;
using Gym.Core.Datasets;
using Gym.Core.Registry;
using Gym.Environments.ToolUse;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>Environment parameters that name files are resolved against the scenario's folder and checked with a location.</summary>
public sealed class PathParameterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-path-params-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EnvironmentRegistry Registry(List<string> seen)
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        registry.Register(new EnvironmentDescriptor(
            "test/questions-v0",
            "questions from a file",
            new Dictionary<string, string> { ["questions"] = "a JSONL question file", ["mode"] = "a word" },
            parameters =>
            {
                var file = parameters.GetString("questions", "");
                seen.Add(file);
                return new QaDatasetEnvironment("test/questions-v0", QaDataset.Load(file));
            })
        {
            PathParameters = new HashSet<string>(["questions"], StringComparer.Ordinal),
        });
        return registry;
    }

    [Fact]
    public void A_file_parameter_is_resolved_against_the_scenario_folder()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub", "data"));
        File.WriteAllText(Path.Combine(_dir, "sub", "data", "q.jsonl"), "{\"question\": \"2+2?\", \"golden_answers\": [\"4\"]}\n");
        File.WriteAllText(Path.Combine(_dir, "sub", "s.yaml"), "id: test/files\ntask:\n  environment: test/questions-v0\n  params: {questions: data/q.jsonl, mode: data/q.jsonl}\n");
        var seen = new List<string>();

        var result = ScenarioLoader.Load(Path.Combine(_dir, "sub", "s.yaml"), Registry(seen));

        result.Errors.Should().BeEmpty();
        var task = (EnvironmentTaskSpec)result.Spec!.Task;
        task.Params["questions"].Should().Be(Path.Combine(_dir, "sub", "data", "q.jsonl"));
        task.Params["mode"].Should().Be("data/q.jsonl", "only declared path parameters are resolved");
    }

    [Fact]
    public void A_missing_file_parameter_is_reported_at_its_value()
    {
        File.WriteAllText(Path.Combine(_dir, "s.yaml"), "id: test/files\ntask:\n  environment: test/questions-v0\n  params:\n    questions: nowhere.jsonl\n");

        var result = ScenarioLoader.Load(Path.Combine(_dir, "s.yaml"), Registry([]));

        result.Errors.Select(e => e.ToString()).Should().ContainSingle().Which
            .Should().Contain("s.yaml:5:16:").And.Contain("file 'nowhere.jsonl' for parameter 'questions' of test/questions-v0 not found");
    }
}
