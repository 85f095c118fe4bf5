using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Environments.Guessing.Rewards;
using Gym.Environments.Guessing.SecretNumber;
using Xunit;

namespace Gym.Environments.Guessing.Tests;

public sealed class RewardAndStateTests
{
    private const int Max = 16;

    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddGuessing();

    private static IRewardComponent Component(string kind, string name, RewardKind rewardKind, params (string Key, string Value)[] parameters) =>
        Registry.Rewards.Create(new ComponentDefinition(kind, name, 1, rewardKind, parameters.ToDictionary(p => p.Key, p => p.Value)));

    /// <summary>max = 16 (4 bits), with search_efficiency and milestones on the module's state keys.</summary>
    private static GuessingEnvironment Environment(int maxTurns = 40)
    {
        var options = SecretNumberOptions.From(EnvironmentParameters.Parse([$"max={Max}", $"max_turns={maxTurns}"]));
        var program = new RewardProgram(
        [
            Component("milestone", "first_bit", RewardKind.Process, ("when", "bits_gained >= 1")),
            Component("milestone", "found_it", RewardKind.Process, ("when", "found >= 1 and hints <= 20")),
            Component(GuessingRewardComponents.SearchEfficiency, GuessingRewardComponents.SearchEfficiency, RewardKind.Outcome),
        ]);
        return new GuessingEnvironment(GuessingEnvironments.SecretNumber, options with { Settings = options.Settings with { Rewards = program } });
    }

    private static string Hint(long guess) => $"<tool_call>{{\"name\": \"hint\", \"arguments\": {{\"guess\": {guess}}}}}</tool_call>";

    private static long SeedWithSecretAtLeast(long smallest) =>
        Enumerable.Range(0, 1000).First(s => GuessingEnvironment.Secret(s, Max) >= smallest);

    private static double Raw(StepResult step, string name) => step.Breakdown.Find(name)!.Raw;

    [Theory]
    [InlineData(0, 100, 1.0)]
    [InlineData(7, 100, 1.0)]
    [InlineData(3, 100, 1.0)]
    [InlineData(14, 100, 0.5)]
    [InlineData(10, 1024, 1.0)]
    [InlineData(40, 1024, 0.25)]
    public void Search_efficiency_is_ceil_log2_max_over_hints_clipped_to_one(int hints, int max, double expected) =>
        SearchEfficiencyComponent.Efficiency(hints, max).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public async Task A_linear_search_scores_bits_over_hints_and_its_milestones_fire_once()
    {
        var seed = SeedWithSecretAtLeast(8);
        var secret = GuessingEnvironment.Secret(seed, Max);
        var environment = Environment();
        await environment.ResetAsync(seed);

        var steps = new List<StepResult>();
        for (var guess = 1L; guess <= secret; guess++)
        {
            steps.Add(await environment.StepAsync(Hint(guess)));
        }

        var answer = await environment.StepAsync($"<answer>{secret}</answer>");

        Raw(answer, GuessingRewardComponents.SearchEfficiency).Should().BeApproximately(4.0 / secret, 1e-12);
        steps.Should().OnlyContain(s => s.Breakdown.Find(GuessingRewardComponents.SearchEfficiency) == null, "an outcome component scores when the stage closes");
        // The open range first halves (to [9, 16], or to 8 itself) with the eighth hint.
        steps.Select(s => Raw(s, "first_bit")).Should().Equal(steps.Select((_, i) => i == 7 ? 1.0 : 0.0));
        steps.Select(s => Raw(s, "found_it")).Should().Equal([.. Enumerable.Repeat(0.0, steps.Count - 1), 1.0]);
    }

    [Fact]
    public async Task Bits_gained_follows_the_width_of_the_open_range()
    {
        var seed = SeedWithSecretAtLeast(9);
        var environment = Environment();
        await environment.ResetAsync(seed);

        var half = await environment.StepAsync(Hint(8));

        Raw(half, "first_bit").Should().Be(1, "'higher' after 8 leaves [9, 16]: log2(16 / 8) = 1 bit");
    }

    [Fact]
    public async Task A_wrong_answer_or_no_answer_scores_zero_efficiency()
    {
        var secret = GuessingEnvironment.Secret(1, Max);
        var wrong = Environment();
        await wrong.ResetAsync(1);
        var truncated = Environment(maxTurns: 1);
        await truncated.ResetAsync(1);

        var bad = await wrong.StepAsync($"<answer>{(secret % Max) + 1}</answer>");
        var none = await truncated.StepAsync(Hint(secret));

        Raw(bad, GuessingRewardComponents.SearchEfficiency).Should().Be(0);
        none.Truncated.Should().BeTrue();
        Raw(none, GuessingRewardComponents.SearchEfficiency).Should().Be(0);
    }

    [Fact]
    public async Task A_correct_answer_without_hints_is_fully_efficient()
    {
        var secret = GuessingEnvironment.Secret(2, Max);
        var environment = Environment();
        await environment.ResetAsync(2);

        var lucky = await environment.StepAsync($"<answer>{secret}</answer>");

        Raw(lucky, GuessingRewardComponents.SearchEfficiency).Should().Be(1);
    }

    [Fact]
    public void The_module_registers_its_component_state_keys_and_operator()
    {
        Registry.Modules.Should().Equal("guessing");
        Registry.Rewards.Find(GuessingRewardComponents.SearchEfficiency)!.Scope.Should().Be(RewardScope.Episode);
        foreach (var key in new[] { "hints", "bits_gained", "found" })
        {
            Registry.StateKeys.TryResolve(key, out var provider).Should().BeTrue(key);
            provider.Should().BeSameAs(GuessingState.Provider);
        }

        Registry.Operators.Find("with-noisy-hints")!.Parameters.Should().ContainSingle(p => p.Name == "flip_rate" && p.Default == "0.1");
        var twice = () => Registry.AddGuessing();
        twice.Should().Throw<ArgumentException>().WithMessage("*guessing*already*");
    }
}
