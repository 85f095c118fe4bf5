using System.Globalization;
using System.Text.Json;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Environments.ToolUse.Calculator;

namespace Gym.Environments.ToolUse.Arithmetic;

/// <summary>
/// Multi-step arithmetic word problems solved with a calculator tool. Process rewards: format
/// validity and tool-call validity per turn; outcome: numeric match of the final answer. Every task
/// carries its <see cref="ExpertPlan"/> (one calculator call per operation, then the result), which
/// <see cref="Gym.Core.Policies.PlanExpert"/> follows.
/// </summary>
public sealed class ArithmeticEnvironment(string id, ArithmeticOptions options) : ToolEnvironment(id, options.Settings)
{
    /// <summary>Name of the outcome component.</summary>
    public const string OutcomeComponent = "numeric_match";

    /// <summary>The task knobs.</summary>
    public ArithmeticOptions Options { get; } = options;

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) =>
        new ArithmeticTask(ArithmeticGenerator.Generate(seed, Options.Digits, Options.Operations, Options.Distractors, Options.Wording), _taskInfo ??= TaskInfo(Options));

    // The task's info depends on the options alone: built once per environment, not once per episode.
    private StepInfo? _taskInfo;

    private static StepInfo TaskInfo(ArithmeticOptions options) => StepInfo.Empty
        .With("digits", options.Digits)
        .With("operations", options.Operations)
        .With("distractors", options.Distractors)
        .With("wording", options.Wording == ProblemWording.Expression ? "expression" : "story");

    // Arguments are recorded verbatim in trajectories: keep '+' literal, as a model writes it.
    private static readonly JsonSerializerOptions ArgumentJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private sealed class ArithmeticTask(ArithmeticProblem problem, StepInfo info) : EpisodeTask
    {
        public override string Prompt => problem.Text;

        public override IReadOnlyList<ITool> Tools { get; } = [CalculatorTool.Instance];

        public override StepInfo Info => info;

        public override ExpertPlan Plan => new(
            [.. problem.Steps.Select((step, i) => new PlannedCall(
                new ToolCall(CalculatorTool.Instance.Name, JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["expression"] = step.Expression }, ArgumentJson)),
                step.Result.ToString(CultureInfo.InvariantCulture),
                $"Step {i + 1} of {problem.Steps.Count}: {step.Expression}."))],
            Expected);

        public override AnswerScore ScoreAnswer(string answer)
        {
            var correct = NumericMatch.Matches(answer, problem.Answer);
            return new AnswerScore([new RewardTerm(OutcomeComponent, RewardKind.Outcome, correct ? 1 : 0, 1)], correct, Expected);
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm(OutcomeComponent, RewardKind.Outcome, 0, 1)];

        private string Expected => problem.Answer.ToString(CultureInfo.InvariantCulture);
    }
}
