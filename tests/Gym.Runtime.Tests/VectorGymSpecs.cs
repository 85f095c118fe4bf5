using System.Globalization;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Seeding;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Facade;
using Gym.Runtime.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Runtime.Tests;

/// <summary>The vectorized gym facade: batched reset and step, NextStep autoreset, determinism, argument checks.</summary>
public sealed class VectorGymSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Hocon, output)
{
    private readonly EnvironmentRegistry _registry = new EnvironmentRegistry().AddToolUse();

    private static long SlotSeed(long seed, int slot, long episode) => SeededRandom.Derive(SeededRandom.Derive(seed, "vector", slot), "episode", episode);

    [Fact]
    public async Task Reset_gives_one_observation_per_slot_each_from_its_own_seed()
    {
        await using var gym = VectorGym.Create(Sys, _registry, ToolUseEnvironments.Arithmetic, 6);

        var resets = await gym.ResetAsync(100);

        gym.Count.Should().Be(6);
        gym.EnvironmentId.Should().Be(ToolUseEnvironments.Arithmetic);
        gym.AutoresetMode.Should().Be(AutoresetMode.NextStep);
        resets.Should().HaveCount(6);
        resets.Select(r => r.Info.Get("seed", 0L)).Should().Equal(Enumerable.Range(0, 6).Select(i => SlotSeed(100, i, 0)));
        resets.Select(r => r.Info.Get("seed", 0L)).Should().OnlyHaveUniqueItems();
        resets.Select(r => r.Observation[^1].Content).Should().OnlyHaveUniqueItems("different seeds give different problems");
        for (var i = 0; i < resets.Count; i++)
        {
            var direct = await _registry.Make(ToolUseEnvironments.Arithmetic).ResetAsync(SlotSeed(100, i, 0));
            resets[i].Observation.Should().Equal(direct.Observation);
        }
    }

    [Fact]
    public async Task Stepping_with_the_experts_actions_matches_the_environment_played_directly()
    {
        const int Slots = 4;
        var id = ToolUseEnvironments.Arithmetic;
        var expert = Expert(id, 0);
        await using var gym = VectorGym.Create(Sys, _registry, id, Slots);
        var driver = new ExpertDriver(expert, await gym.ResetAsync(7));
        var direct = new IEnvironment[Slots];
        for (var i = 0; i < Slots; i++)
        {
            direct[i] = _registry.Make(id);
            await direct[i].ResetAsync(SlotSeed(7, i, 0));
        }

        var done = new bool[Slots];
        for (var step = 0; step < 30 && !done.All(d => d); step++)
        {
            var actions = driver.Actions();
            var results = await gym.StepAsync(actions);
            for (var i = 0; i < Slots; i++)
            {
                if (done[i])
                {
                    continue;
                }

                results[i].AutoReset.Should().BeFalse();
                results[i].Seed.Should().Be(SlotSeed(7, i, 0));
                var expected = await direct[i].StepAsync(actions[i]);
                Serialize(results[i].Result).Should().Be(Serialize(expected));
                done[i] = results[i].Result.IsDone;
            }

            driver.Observe(actions, results);
        }

        done.Should().OnlyContain(d => d, "the error-free expert finishes every episode");
    }

    [Fact]
    public async Task The_step_after_an_episode_ends_resets_that_slot_and_ignores_its_action()
    {
        const int Slots = 3;
        var id = ToolUseEnvironments.ArithmeticEasy;
        await using var gym = VectorGym.Create(Sys, _registry, id, Slots);
        var driver = new ExpertDriver(Expert(id, 0), await gym.ResetAsync(55));
        var previous = new VectorStep?[Slots];
        var episodes = new long[Slots];
        var autoresets = 0;

        for (var step = 0; step < 12; step++)
        {
            var actions = driver.Actions();
            for (var i = 0; i < Slots; i++)
            {
                if (previous[i]?.Result.IsDone == true)
                {
                    // Stepping an ended episode would throw; this action must be ignored.
                    actions[i] = new AgentAction("this action must be ignored");
                }
            }

            var results = await gym.StepAsync(actions);
            for (var i = 0; i < Slots; i++)
            {
                var result = results[i];
                if (previous[i]?.Result.IsDone == true)
                {
                    autoresets++;
                    episodes[i]++;
                    result.AutoReset.Should().BeTrue();
                    result.Seed.Should().Be(SlotSeed(55, i, episodes[i]));
                    result.Result.Reward.Should().Be(0);
                    result.Result.Breakdown.Terms.Should().BeEmpty();
                    result.Result.Terminated.Should().BeFalse();
                    result.Result.Truncated.Should().BeFalse();
                    result.Result.StopReason.Should().Be(StopReason.None);
                    result.Result.ToolCalls.Should().BeEmpty();
                    result.Result.Info.Get("autoreset", false).Should().BeTrue();
                    var fresh = await _registry.Make(id).ResetAsync(result.Seed);
                    result.Result.Observation.Should().Equal(fresh.Observation, "the slot shows the new episode's first observation");
                }
                else
                {
                    result.AutoReset.Should().BeFalse();
                    result.Seed.Should().Be(SlotSeed(55, i, episodes[i]));
                }
            }

            driver.Observe(actions, results);
            previous = [.. results];
        }

        autoresets.Should().BeGreaterThanOrEqualTo(Slots * 2, "two-turn episodes over twelve steps reset every slot several times");
    }

    [Fact]
    public async Task Two_gyms_with_the_same_seed_and_actions_give_identical_results()
    {
        var id = ToolUseEnvironments.Arithmetic;
        var first = await PlayAsync(id, seed: 31, steps: 15);
        var second = await PlayAsync(id, seed: 31, steps: 15);
        var other = await PlayAsync(id, seed: 32, steps: 15);

        second.Should().Equal(first);
        other.Should().NotEqual(first);
        first.Should().Contain(line => line.Contains("\"auto_reset\":true", StringComparison.Ordinal), "the run crosses episode boundaries");
    }

    [Theory]
    [InlineData(TestEnvironments.Throwing)]
    [InlineData(TestEnvironments.ThrowingAsync)]
    public async Task An_environment_exception_surfaces_from_StepAsync(string id)
    {
        const int Slots = 8;
        var registry = TestEnvironments.Registry();
        await using var gym = VectorGym.Create(Sys, registry, id, Slots, timeout: TimeSpan.FromSeconds(10));
        var seeds = (await gym.ResetAsync(3)).Select(r => r.Info.Get("seed", 0L)).ToList();
        seeds.Should().Contain(seed => ScriptedEnvironment.Fails(seed), "some slot must hit the failing seed");
        AgentAction[] actions = [.. Enumerable.Range(0, Slots).Select(i => new AgentAction($"a{i}"))];

        await gym.StepAsync(actions);
        await gym.StepAsync(actions);

        await gym.Invoking(g => g.StepAsync(actions)).Should().ThrowAsync<InvalidOperationException>().WithMessage("step 2 exploded for seed *");
    }

    [Fact]
    public async Task Stepping_before_reset_throws_InvalidOperationException()
    {
        await using var gym = VectorGym.Create(Sys, _registry, ToolUseEnvironments.ArithmeticEasy, 2);

        await gym.Invoking(g => g.StepAsync([new AgentAction("a"), new AgentAction("b")]))
            .Should().ThrowAsync<InvalidOperationException>().WithMessage("*ResetAsync*");
    }

    [Fact]
    public async Task The_wrong_number_of_actions_throws_ArgumentException()
    {
        await using var gym = VectorGym.Create(Sys, _registry, ToolUseEnvironments.ArithmeticEasy, 3);
        await gym.ResetAsync(1);

        await gym.Invoking(g => g.StepAsync([new AgentAction("only one")]))
            .Should().ThrowAsync<ArgumentException>().WithMessage("expected 3 actions*");
        await gym.Invoking(g => g.StepAsync([.. Enumerable.Repeat(new AgentAction("x"), 4)]))
            .Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public void Creating_a_gym_checks_its_arguments()
    {
        FluentActions.Invoking(() => VectorGym.Create(Sys, _registry, ToolUseEnvironments.ArithmeticEasy, 0))
            .Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => VectorGym.Create(Sys, _registry, "tool-use/arithmetic-v9", 1))
            .Should().Throw<UnknownEnvironmentException>();
        FluentActions.Invoking(() => VectorGym.Create(Sys, _registry, ToolUseEnvironments.ArithmeticEasy, 1, new Dictionary<string, string> { ["no_such_knob"] = "1" }))
            .Should().Throw<EnvironmentParameterException>();
    }

    private async Task<List<string>> PlayAsync(string id, long seed, int steps)
    {
        await using var gym = VectorGym.Create(Sys, _registry, id, 3);
        var driver = new ExpertDriver(Expert(id, 0.2), await gym.ResetAsync(seed));
        var lines = new List<string>();
        for (var step = 0; step < steps; step++)
        {
            var actions = driver.Actions();
            var results = await gym.StepAsync(actions);
            lines.Add(JsonSerializer.Serialize(results, TrajectoryJson.Options));
            driver.Observe(actions, results);
        }

        return lines;
    }

    private IPolicy Expert(string id, double errorRate) =>
        _registry.Get(id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(errorRate));

    private static string Serialize(StepResult result) => JsonSerializer.Serialize(result, TrajectoryJson.Options);

    /// <summary>Keeps each slot's conversation so the expert can choose the slot's next action.</summary>
    private sealed class ExpertDriver
    {
        private readonly IPolicy _expert;
        private readonly List<ChatMessage>[] _context;
        private readonly long[] _seed;
        private readonly int[] _turn;

        public ExpertDriver(IPolicy expert, IReadOnlyList<ResetResult> resets)
        {
            _expert = expert;
            _context = [.. resets.Select(r => r.Observation.ToList())];
            _seed = [.. resets.Select(r => r.Info.Get("seed", 0L))];
            _turn = new int[resets.Count];
        }

        public AgentAction[] Actions()
        {
            var requests = Enumerable.Range(0, _context.Length)
                .Select(i => new PolicyRequest(i.ToString(CultureInfo.InvariantCulture), _seed[i], _turn[i], _context[i]))
                .ToList();
            return [.. _expert.ActAsync(requests, CancellationToken.None).AsTask().GetAwaiter().GetResult()];
        }

        public void Observe(AgentAction[] actions, IReadOnlyList<VectorStep> results)
        {
            for (var i = 0; i < results.Count; i++)
            {
                if (results[i].AutoReset)
                {
                    _context[i] = [.. results[i].Result.Observation];
                    _seed[i] = results[i].Seed;
                    _turn[i] = 0;
                }
                else
                {
                    _context[i].Add(ChatMessage.Assistant(actions[i].Text));
                    _context[i].AddRange(results[i].Result.Observation);
                    _turn[i]++;
                }
            }
        }
    }
}
