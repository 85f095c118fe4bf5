using FluentAssertions;
using Gym.Core.Checking;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Xunit;
using Gym.Testing;

namespace Gym.Scenarios.Tests;

/// <summary>Every file under scenarios/ is discovered, loads, validates, builds and plays 3 expert episodes.</summary>
public sealed class ScenarioLibraryTests
{
    private static readonly int[] Ks = [1, 2, 4, 8, 16];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ScenariosRoot(), "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(ScenariosRoot(), file));
        }

        return data;
    }

    [Fact]
    public void The_library_has_the_scenarios_the_docs_promise()
    {
        var files = Directory.EnumerateFiles(ScenariosRoot(), "*.y*ml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(ScenariosRoot(), f).Replace('\\', '/'))
            .ToList();
        files.Should().Contain(["tool-use/easy.yaml", "tool-use/medium.yaml", "tool-use/multi-step.yaml", "curriculum/arith-difficulty.yaml", "faults/arith-tool-faults.yaml"]);
        foreach (var k in new[] { 1, 2, 4, 8, 16 })
        {
            files.Should().Contain([$"memory/mem1-arith-{k}-full.yaml", $"memory/mem1-arith-{k}-mem1.yaml"]);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Loads_validates_and_plays_three_expert_episodes(string file)
    {
        var path = Path.Combine(ScenariosRoot(), file);
        File.ReadLines(path).Skip(1).First().Should().StartWith("#", "every scenario starts with a comment header saying what it trains");
        var registry = TestFiles.Registry();

        var scenario = ScenarioEnvironments.Load(path, registry);

        var descriptor = registry.Get(scenario.Spec.Id);
        var expert = descriptor.CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
        for (var episode = 0; episode < 3; episode++)
        {
            var record = await EpisodeRunner.RunAsync(registry.Make(scenario.Spec.Id), expert, episode, 1000 + episode, scenario.Memory, scenario.Tokenizer);
            record.Status.Should().Be(EpisodeStatus.Completed);
            record.Turns.Should().NotBeEmpty();
            if (!scenario.Spec.Operators.OfType<WithToolFaultsSpec>().Any())
            {
                record.Success.Should().BeTrue($"the expert solves every episode of {file} at error rate 0");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Passes_the_environment_checker(string file)
    {
        var registry = TestFiles.Registry();
        var scenario = ScenarioEnvironments.Load(Path.Combine(ScenariosRoot(), file), registry);
        var descriptor = registry.Get(scenario.Spec.Id);

        var report = await EnvironmentChecker.CheckAsync(
            () => registry.Make(scenario.Spec.Id),
            descriptor.CreateExpert!(EnvironmentParameters.None, new ExpertSettings()),
            [0, 1, 2, 3, 4]);

        report.Results.Where(r => !r.Passed).Should().BeEmpty();
    }

    [Fact]
    public async Task Mem1_keeps_peak_context_flat_in_history_while_full_grows_with_k()
    {
        var full = new Dictionary<int, double>();
        var mem1 = new Dictionary<int, double>();
        var prompt = new Dictionary<int, double>();
        foreach (var k in Ks)
        {
            full[k] = await MeanPeak($"memory/mem1-arith-{k}-full.yaml");
            (mem1[k], prompt[k]) = await MeanPeakAndPrompt($"memory/mem1-arith-{k}-mem1.yaml");
        }

        // MEM1 keeps the task prompt (which holds all K questions) plus one action and one
        // observation: beyond the prompt, its context does not grow with K.
        var mem1History = Ks.Select(k => mem1[k] - prompt[k]).ToList();
        (mem1History.Max() - mem1History.Min()).Should().BeLessThan(40, "the part of a MEM1 context beyond the prompt is about one turn whatever K is");

        // Full history grows about linearly: doubling K roughly doubles what lies beyond the prompt.
        var fullHistory = Ks.Select(k => full[k] - prompt[k]).ToList();
        for (var i = 1; i < fullHistory.Count; i++)
        {
            (fullHistory[i] / fullHistory[i - 1]).Should().BeInRange(1.6, 2.4, "full history beyond the prompt grows linearly with K");
        }

        (full[16] / mem1[16]).Should().BeGreaterThan(1.6, "at K = 16 the full context is far larger than MEM1's");
    }

    private static async Task<double> MeanPeak(string file) => (await MeanPeakAndPrompt(file)).Peak;

    private static async Task<(double Peak, double Prompt)> MeanPeakAndPrompt(string file)
    {
        var registry = TestFiles.Registry();
        var scenario = ScenarioEnvironments.Load(Path.Combine(ScenariosRoot(), file), registry);
        var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
        var counter = TokenCounters.Create(scenario.Tokenizer);
        double peaks = 0, prompts = 0;
        const int Episodes = 5;
        for (var episode = 0; episode < Episodes; episode++)
        {
            var record = await EpisodeRunner.RunAsync(registry.Make(scenario.Spec.Id), expert, episode, 500 + episode, scenario.Memory, scenario.Tokenizer);
            record.Success.Should().BeTrue();
            peaks += record.PeakContextTokens;
            prompts += record.Prompt.Sum(counter.Count);
        }

        return (peaks / Episodes, prompts / Episodes);
    }

    private static string ScenariosRoot() => RepositoryFolders.Path("scenarios");
}
