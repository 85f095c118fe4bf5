using System.Globalization;
using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Environments.ToolUse.Arithmetic;
using Xunit;

namespace Gym.Core.Tests.Context;

/// <summary>
/// MEM1's point: with consolidation the context stays about flat over a long episode while the
/// full history grows with every turn. Played on a real arithmetic task with scripted actions.
/// </summary>
public sealed class MemoryGrowthTests
{
    private const int Turns = 12;
    private const int Operations = 8;
    private static readonly Dictionary<string, string> Parameters = new()
    {
        ["operations"] = Operations.ToString(CultureInfo.InvariantCulture),
        ["max_turns"] = Turns.ToString(CultureInfo.InvariantCulture),
    };

    [Theory]
    [InlineData(7L)]
    [InlineData(2024L)]
    public async Task Mem1_context_stays_flat_while_full_history_grows(long seed)
    {
        var full = await PlayAsync(MemorySpec.Full, seed);
        var mem1 = await PlayAsync(MemorySpec.Mem1, seed);

        foreach (var record in new[] { full, mem1 })
        {
            record.Turns.Should().HaveCount(Turns);
            record.Success.Should().BeTrue("the scripted actions solve the problem on the last turn");
            record.Turns.Should().OnlyContain(t => t.FormatError == null);
        }

        var fullTokens = full.Turns.Select(t => t.ContextTokens).ToArray();
        var mem1Tokens = mem1.Turns.Select(t => t.ContextTokens).ToArray();
        fullTokens.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("every turn adds an action and an observation");
        mem1Tokens[0].Should().Be(fullTokens[0], "both start from the prompt alone");
        var settled = mem1Tokens[1..];
        (settled.Max() - settled.Min()).Should().BeLessThanOrEqualTo(8, "mem1 keeps one action and one observation whatever the turn: {0}", string.Join(", ", mem1Tokens));
        full.PeakContextTokens.Should().BeGreaterThan(2 * mem1.PeakContextTokens, "full: {0}; mem1: {1}", string.Join(", ", fullTokens), string.Join(", ", mem1Tokens));
        (fullTokens[^1] - fullTokens[1]).Should().BeGreaterThan(10 * (settled.Max() - settled.Min()));
        mem1.Turns[^1].Context.Should().Equal(
            ContextSegment.Prompt(0), ContextSegment.Prompt(1), ContextSegment.Action(Turns - 2), ContextSegment.Observation(Turns - 2, 0));
    }

    private static async Task<EpisodeRecord> PlayAsync(MemorySpec memory, long seed)
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        var environment = (ArithmeticEnvironment)registry.Make(ToolUseEnvironments.ArithmeticHard, new EnvironmentParameters(Parameters));
        var options = environment.Options;
        var problem = ArithmeticGenerator.Generate(seed, options.Digits, options.Operations, options.Distractors);
        return await EpisodeRunner.RunAsync(environment, new ScriptedCalls(problem), 0, seed, memory);
    }

    /// <summary>
    /// One calculator call per operation, then re-checks of the result, then the answer on the last
    /// turn; each think restates the running value, as a MEM1 agent must.
    /// </summary>
    private sealed class ScriptedCalls(ArithmeticProblem problem) : IPolicy
    {
        public string Id => "scripted-calls";

        public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<AgentAction>>([.. requests.Select(r => Act(r.Turn))]);

        private AgentAction Act(int turn)
        {
            var steps = problem.Steps;
            if (turn == Turns - 1)
            {
                return $"<think>state: all {steps.Count} steps done, value {N(problem.Answer)}</think>\n<answer>{N(problem.Answer)}</answer>";
            }

            var expression = turn < steps.Count ? steps[turn].Expression : $"{N(problem.Answer)} + 0";
            var value = turn == 0 ? problem.Start : steps[Math.Min(turn, steps.Count) - 1].Result;
            return $"<think>state: {Math.Min(turn, steps.Count)} of {steps.Count} steps done, value {N(value)}</think>\n"
                + $"<tool_call>{{\"name\": \"calculator\", \"arguments\": {{\"expression\": \"{expression}\"}}}}</tool_call>";
        }

        private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
