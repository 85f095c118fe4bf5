using FluentAssertions;
using Gym.Core.Datasets;
using Gym.Core.Registry;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>A scenario's dataset file is read by the format its extension names; modules can add formats.</summary>
public sealed class DatasetFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-dataset-formats-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Scenario(string dataset)
    {
        var path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"id: test/formats\ntask:\n  dataset: {dataset}\n");
        return path;
    }

    [Fact]
    public void An_extension_no_format_reads_is_a_located_error_that_lists_the_formats()
    {
        File.WriteAllText(Path.Combine(_dir, "q.csv"), "question,answer\n2+2?,4\n");

        var result = ScenarioLoader.Load(Scenario("q.csv"), new EnvironmentRegistry());

        result.Spec.Should().BeNull();
        var error = result.Errors.Should().ContainSingle().Subject;
        (error.Line, error.Column).Should().Be((3, 12));
        error.ToString().Should().Contain("no dataset format reads '.csv' files").And.Contain(".jsonl (jsonl)");
    }

    [Fact]
    public async Task A_registered_format_reads_its_files_in_a_scenario()
    {
        File.WriteAllText(Path.Combine(_dir, "q.tsv"), "2+2?\t4\ncapital of France?\tParis\n");
        var registry = new EnvironmentRegistry();
        registry.DatasetFormats.Register(new QaDatasetFormat("tsv", [".tsv"], "question TAB answer", path =>
            [.. File.ReadAllLines(path).Select((line, i) => line.Split('\t')).Select((cells, i) => new QaItem(i + 1, $"{i + 1}", cells[0], [cells[1]]))]));

        using var scenario = ScenarioEnvironments.Load(Scenario("q.tsv"), registry);
        using var environment = registry.Make("test/formats");

        var reset = await environment.ResetAsync(1);
        reset.Observation[^1].Content.Should().ContainAny("2+2?", "capital of France?");
    }

    [Fact]
    public async Task A_format_key_names_the_reader_whatever_the_extension()
    {
        File.WriteAllText(Path.Combine(_dir, "q.txt"), "2+2?\t4\n");
        var registry = new EnvironmentRegistry();
        registry.DatasetFormats.Register(new QaDatasetFormat("tsv", [".tsv"], "question TAB answer", path =>
            [.. File.ReadAllLines(path).Select((line, i) => new QaItem(i + 1, $"{i + 1}", line.Split('\t')[0], [line.Split('\t')[1]]))]));
        var path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, "id: test/formats\ntask:\n  dataset: q.txt\n  format: tsv\n");

        using var scenario = ScenarioEnvironments.Load(path, registry);
        using var environment = registry.Make("test/formats");

        (await environment.ResetAsync(3)).Observation[^1].Content.Should().Contain("2+2?");
    }

    [Fact]
    public void An_unknown_format_name_is_a_located_error_with_a_suggestion()
    {
        File.WriteAllText(Path.Combine(_dir, "q.jsonl"), "{\"question\": \"2+2?\", \"golden_answers\": [\"4\"]}\n");
        var path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, "id: test/formats\ntask:\n  dataset: q.jsonl\n  format: jsnl\n");

        var result = ScenarioLoader.Load(path, new EnvironmentRegistry());

        var error = result.Errors.Should().ContainSingle().Subject;
        (error.Line, error.Column).Should().Be((4, 11));
        error.ToString().Should().Contain("unknown dataset format 'jsnl'").And.Contain("did you mean 'jsonl'?");
    }

    [Fact]
    public void Two_formats_cannot_claim_one_extension()
    {
        var formats = new QaDatasetFormats();

        var act = () => formats.Register(new QaDatasetFormat("other", [".jsonl"], "", _ => []));

        act.Should().Throw<ArgumentException>().WithMessage("*'.jsonl'*already read by 'jsonl'*");
    }
}
