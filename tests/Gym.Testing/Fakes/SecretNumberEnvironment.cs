using System.Globalization;
using System.Text.Json;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;

namespace Gym.Testing;

/// <summary>
/// The smallest real tool environment: the agent looks up a seed-derived secret with the
/// <c>lookup</c> tool and answers it. Exercises <see cref="ToolEnvironment"/> without any
/// environment package, so Gym.Core's own tests can run the contract suite.
/// </summary>
public sealed class SecretNumberEnvironment(ToolEnvironmentSettings settings) : ToolEnvironment(EnvironmentId, settings)
{
    /// <summary>The environment id.</summary>
    public const string EnvironmentId = "test/secret-number-v0";

    /// <summary>The outcome component.</summary>
    public const string OutcomeComponent = "exact";

    /// <summary>The secret for a seed.</summary>
    public static long Secret(long seed) => SeededRandom.ForStream(seed, "secret").NextInt64(1, 1_000_000);

    /// <summary>The key to look up for a seed; it is in the prompt, so different seeds give different tasks.</summary>
    public static string Key(long seed) => $"k{Secret(seed) % 997}";

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) => new SecretTask(Key(seed), Secret(seed));

    private sealed class SecretTask(string key, long secret) : EpisodeTask
    {
        private readonly ITool _lookup = new DelegateTool(
            "lookup",
            DelegateTool.SingleStringParameter("key"),
            (arguments, _) => ValueTask.FromResult(arguments.GetProperty("key").GetString() == key
                ? ToolResult.Ok(secret.ToString(CultureInfo.InvariantCulture))
                : ToolResult.Fail($"no key '{arguments.GetProperty("key").GetString()}'")));

        public override string Prompt => $"Look up the key '{key}' with the lookup tool, then answer with its value.";

        public override IReadOnlyList<ITool> Tools => [_lookup];

        public override StepInfo Info => StepInfo.Empty.With("secret_digits", secret.ToString(CultureInfo.InvariantCulture).Length);

        public override AnswerScore ScoreAnswer(string answer)
        {
            var correct = NumericMatch.Matches(answer, secret);
            return new AnswerScore([new RewardTerm(OutcomeComponent, RewardKind.Outcome, correct ? 1 : 0, 1)], correct, secret.ToString(CultureInfo.InvariantCulture));
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm(OutcomeComponent, RewardKind.Outcome, 0, 1)];
    }
}

/// <summary>Looks the key from the prompt up, then answers with what the tool said.</summary>
public sealed class SecretNumberExpert(ActionFormat format) : IPolicy
{
    /// <inheritdoc />
    public string Id => "secret-expert";

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        var actions = requests.Select(request =>
        {
            var looked = request.Context.LastOrDefault(m => m.Role == ChatRole.Tool && !m.Content.StartsWith("Error", StringComparison.Ordinal));
            if (looked is not null)
            {
                return new AgentAction($"<answer>{looked.Content}</answer>", [1, 2, 3], [-0.5f, -0.25f, -0.125f]);
            }

            var prompt = request.Context.First(m => m.Role == ChatRole.User).Content;
            var key = prompt.Split('\'')[1];
            var call = format == ActionFormat.JsonToolCalls
                ? $"<tool_call>{JsonSerializer.Serialize(new { name = "lookup", arguments = new { key } })}</tool_call>"
                : $"<lookup>{key}</lookup>";
            return new AgentAction($"<think>turn {request.Turn}</think>{call}");
        });
        return ValueTask.FromResult<IReadOnlyList<AgentAction>>([.. actions]);
    }
}
