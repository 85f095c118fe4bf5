using System.Globalization;
using System.Text.Json;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Seeding;

namespace Gym.Environments.ToolUse.Arithmetic;

/// <summary>The kinds of deliberate mistakes the expert makes at its error rate.</summary>
public enum ExpertMistake
{
    /// <summary>Calls the calculator with a wrong operand.</summary>
    WrongArguments,
    /// <summary>Writes a malformed action (an unclosed tag).</summary>
    MalformedTags,
    /// <summary>Answers before finishing, with the current intermediate value.</summary>
    PrematureAnswer,
}

/// <summary>
/// A scripted expert for the arithmetic task: it regenerates the problem from the episode seed,
/// issues one calculator call per operation and then answers. With probability <c>ErrorRate</c>
/// per turn it makes one of the <see cref="ExpertMistake"/>s instead, so rollouts cover failures.
/// It tracks progress from the tool results in its context, so it recovers from its own mistakes.
/// </summary>
public sealed class ArithmeticExpert(ArithmeticOptions options, ExpertSettings settings) : IPolicy
{
    /// <inheritdoc />
    public string Id { get; } = settings.ErrorRate == 0
        ? "expert"
        : string.Create(CultureInfo.InvariantCulture, $"expert:{settings.ErrorRate}");

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var actions = new AgentAction[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            actions[i] = Act(requests[i]);
        }

        return ValueTask.FromResult<IReadOnlyList<AgentAction>>(actions);
    }

    /// <summary>Chooses the action for one request.</summary>
    public AgentAction Act(PolicyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problem = ArithmeticGenerator.Generate(request.Seed, options.Digits, options.Operations, options.Distractors);
        var done = CompletedSteps(problem, request.Context);
        var rng = SeededRandom.ForStream(SeededRandom.Derive(request.Seed, "arithmetic/expert", settings.Seed), "turn", request.Turn);
        var current = done == 0 ? problem.Start : problem.Steps[done - 1].Result;

        if (rng.Chance(settings.ErrorRate))
        {
            var mistake = (ExpertMistake)rng.Next(3);
            switch (mistake)
            {
                case ExpertMistake.PrematureAnswer when done < problem.Steps.Count:
                    return Answer($"I will answer now with what I have.", current);
                case ExpertMistake.MalformedTags:
                    return new AgentAction($"<think>Let me compute.</think><answer>{N(current)}");
                case ExpertMistake.WrongArguments when done < problem.Steps.Count:
                    var step = problem.Steps[done];
                    var wrong = step with { Right = step.Right + 1 + rng.Next(9) };
                    return Call($"Step {done + 1}: {wrong.Expression}.", wrong.Expression);
            }
        }

        if (done < problem.Steps.Count)
        {
            var step = problem.Steps[done];
            return Call($"Step {done + 1} of {problem.Steps.Count}: {step.Expression}.", step.Expression);
        }

        return Answer($"All {problem.Steps.Count} steps are done; the result is {N(problem.Answer)}.", problem.Answer);
    }

    /// <summary>
    /// How many solution steps the context shows as done: tool results are matched in order
    /// against the expected intermediate values, so wrong or failed calls do not count.
    /// </summary>
    public static int CompletedSteps(ArithmeticProblem problem, IReadOnlyList<ChatMessage> context)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(context);
        var done = 0;
        foreach (var message in context)
        {
            if (done < problem.Steps.Count && message.Role == ChatRole.Tool && message.Content.Trim() == N(problem.Steps[done].Result))
            {
                done++;
            }
        }

        return done;
    }

    // Models write '+' literally; the default encoder's \u002B would teach the wrong text.
    private static readonly JsonSerializerOptions ActionJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private AgentAction Call(string thought, string expression)
    {
        var call = options.Settings.Format == ActionFormat.JsonToolCalls
            ? $"<tool_call>{JsonSerializer.Serialize(new { name = "calculator", arguments = new { expression } }, ActionJson)}</tool_call>"
            : $"<calculator>{expression}</calculator>";
        return new AgentAction($"<think>{thought}</think>\n{call}");
    }

    private static AgentAction Answer(string thought, long value) => new($"<think>{thought}</think>\n<answer>{N(value)}</answer>");

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
