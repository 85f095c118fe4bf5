using System.Globalization;
using System.Text.Json;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;
using Gym.Testing;

namespace Gym.Core.Tests.Composition;

/// <summary>
/// A small planned task for Gym.Core's own composition tests: add three seed-derived numbers with
/// a two-parameter <c>add</c> tool (so XML tags need the JSON form), in two calls.
/// </summary>
public sealed class AdderEnvironment(ToolEnvironmentSettings settings) : ToolEnvironment("test/adder-v0", settings)
{
    /// <summary>One instance for every task, so composites may offer it from several parts.</summary>
    public static ITool Add { get; } = new DelegateTool(
        "add",
        """{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"], "additionalProperties": false}""",
        (arguments, _) => ValueTask.FromResult(ToolResult.Ok((arguments.GetProperty("a").GetInt64() + arguments.GetProperty("b").GetInt64()).ToString(CultureInfo.InvariantCulture))));

    public static (long X, long Y, long Z) Numbers(long seed)
    {
        var rng = SeededRandom.ForStream(seed, "adder");
        return (rng.NextInt64(1, 1000), rng.NextInt64(1, 1000), rng.NextInt64(1, 1000));
    }

    protected override EpisodeTask CreateTask(long seed) => new AdderTask(Numbers(seed));

    private sealed class AdderTask((long X, long Y, long Z) n) : EpisodeTask
    {
        public override string Prompt => $"Compute {n.X} + {n.Y} + {n.Z} with the add tool.";

        public override IReadOnlyList<ITool> Tools => [Add];

        public override ExpertPlan Plan => new(
            [
                new PlannedCall(Call(n.X, n.Y), S(n.X + n.Y), "first sum"),
                new PlannedCall(Call(n.X + n.Y, n.Z), S(n.X + n.Y + n.Z), "second sum"),
            ],
            S(n.X + n.Y + n.Z));

        public override AnswerScore ScoreAnswer(string answer)
        {
            var correct = NumericMatch.Matches(answer, n.X + n.Y + n.Z);
            return new AnswerScore([new RewardTerm("exact", RewardKind.Outcome, correct ? 1 : 0, 1)], correct, S(n.X + n.Y + n.Z));
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm("exact", RewardKind.Outcome, 0, 1)];

        private static ToolCall Call(long a, long b) => new("add", JsonSerializer.SerializeToElement(new { a, b }));

        private static string S(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
