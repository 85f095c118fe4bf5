using System.Buffers;
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
    private static readonly JsonWriterOptions ArgumentJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_argumentBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_argumentWriter;

    /// <summary>
    /// <c>{"expression": …}</c> as the serializer writes a one-entry dictionary with the same encoder
    /// (the same writer calls), without the dictionary and the serializer's per-call setup: the
    /// plan is built at every reset and by the expert once per episode.
    /// </summary>
    private static JsonElement ExpressionArguments(string expression)
    {
        var buffer = t_argumentBuffer ??= new ArrayBufferWriter<byte>(128);
        buffer.ResetWrittenCount();
        var writer = t_argumentWriter ??= new Utf8JsonWriter(buffer, ArgumentJson);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("expression", expression);
        writer.WriteEndObject();
        writer.Flush();
        return JsonElement.Parse(buffer.WrittenSpan);
    }

    private sealed class ArithmeticTask(ArithmeticProblem problem, StepInfo info) : EpisodeTask
    {
        public override string Prompt => problem.Text;

        public override IReadOnlyList<ITool> Tools { get; } = [CalculatorTool.Instance];

        public override StepInfo Info => info;

        public override ExpertPlan Plan => new(
            [.. problem.Steps.Select((step, i) => new PlannedCall(
                new ToolCall(CalculatorTool.Instance.Name, ExpressionArguments(step.Expression)),
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
