using FluentAssertions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.Guessing.Operators;
using Gym.Modules;
using Gym.Scenarios;
using Gym.Testing;
using Xunit;

namespace Gym.Environments.Guessing.Tests;

public sealed class ScenarioTests
{
    private static readonly Lazy<string> Temp = ProcessTempFolder.Create("gym-guessing-tests-");

    private static string Write(string name, string yaml)
    {
        var path = Path.Combine(Temp.Value, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Header = """
        id: guessing/test
        task:
          environment: guessing/secret-number-v0
          params: {max: 50}
        operators:
          - kind: with-noisy-hints

        """;

    [Fact]
    public void The_distribution_registry_has_the_module()
    {
        var registry = GymModules.CreateRegistry();

        registry.Modules.Should().Contain("guessing");
        registry.All.Select(d => d.Id).Should().Contain(GuessingEnvironments.SecretNumber);
        ScenarioSchema.ToJsonSchema(registry).Should().Contain("with-noisy-hints").And.Contain("search_efficiency");
    }

    [Fact]
    public async Task The_noisy_scenario_validates_and_the_expert_solves_it_with_imperfect_efficiency()
    {
        var registry = GymModules.CreateRegistry();
        ScenarioLoader.Load(ScenarioFiles.Noisy, registry).Errors.Should().BeEmpty();
        var built = ScenarioEnvironments.Load(ScenarioFiles.Noisy, registry);
        var expert = registry.Get(ScenarioFiles.NoisyId).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());

        var records = new List<EpisodeRecord>();
        for (var seed = 0; seed < 40; seed++)
        {
            records.Add(await EpisodeRunner.RunAsync(registry.Make(ScenarioFiles.NoisyId), expert, seed, seed));
        }

        built.Spec.Id.Should().Be(ScenarioFiles.NoisyId);
        records.Should().OnlyContain(r => r.Success);
        var efficiency = records.Select(r => r.Turns[^1].Breakdown.Find("search_efficiency")!.Raw).ToList();
        efficiency.Should().OnlyContain(e => e > 0 && e <= 1);
        efficiency.Should().Contain(e => e < 1, "flipped hints cost the expert extra calls");
        records.Should().OnlyContain(r => r.Turns.Sum(t => t.Breakdown.Find("halfway")!.Raw) == 1, "bits_gained reaches 4 once per episode");
        records[0].Prompt[^1].Content.Should().Contain("probability 0.1");
    }

    [Fact]
    public void An_unknown_operator_parameter_is_a_located_error_with_a_suggestion()
    {
        var path = Write("typo.yaml", Header.Replace("with-noisy-hints", "with-noisy-hints\n    flip_rat: 0.2", StringComparison.Ordinal));

        var errors = ScenarioLoader.Load(path, GymModules.CreateRegistry()).Errors;

        errors.Should().ContainSingle();
        errors[0].Line.Should().Be(7, "the key is on the line after '- kind: with-noisy-hints'");
        errors[0].Column.Should().Be(5);
        errors[0].Text.Should().Contain("flip_rat").And.Contain("flip_rate");
    }

    [Fact]
    public void A_flip_rate_out_of_range_is_a_located_error()
    {
        var path = Write("range.yaml", Header.Replace("with-noisy-hints", "with-noisy-hints\n    flip_rate: 1.5", StringComparison.Ordinal));

        var errors = ScenarioLoader.Load(path, GymModules.CreateRegistry()).Errors;

        errors.Should().ContainSingle();
        errors[0].Line.Should().Be(7, "the key is on the line after '- kind: with-noisy-hints'");
        errors[0].Column.Should().Be(16, "the value is at fault");
        errors[0].Text.Should().Contain("flip_rate");
    }

    [Fact]
    public void The_operator_on_another_environment_fails_when_the_scenario_is_built()
    {
        var path = Write("arith.yaml", Header.Replace("guessing/secret-number-v0", "tool-use/arithmetic-v0", StringComparison.Ordinal).Replace("{max: 50}", "{difficulty: 1}", StringComparison.Ordinal));

        var load = () => ScenarioEnvironments.Load(path, GymModules.CreateRegistry());

        load.Should().Throw<GuessingOperatorException>().WithMessage("*with-noisy-hints*guessing*");
    }
}
