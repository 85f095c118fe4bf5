using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;

namespace Gym.Core.Policies;

/// <summary>
/// A scripted expert for any task with an <see cref="ExpertPlan"/>: it regenerates the episode's
/// task from <see cref="PolicyRequest.Seed"/> and follows the plan, one call or answer per turn.
/// <para>
/// It keeps its progress in its own words, MEM1 style: every action starts with
/// <c>&lt;think&gt;[plan P/N] …&lt;/think&gt;</c>, meaning P of the plan's N steps (calls and answers)
/// were done when the action was chosen. Next turn it reads only its latest assistant message and
/// the messages after it: a tool result equal to the pending call's expected result advances it,
/// an error or a wrong value repeats the call, a malformed action repeats the step, and any
/// well-formed answer closes the stage. So it plays identically on the full history and on a
/// MEM1 context (task prompt, latest action, latest observation).
/// </para>
/// With probability <see cref="ExpertSettings.ErrorRate"/> per turn it makes one
/// <see cref="ExpertMistake"/> instead, chosen from
/// <c>ForStream(Derive(seed, "expert", settings.Seed), "turn", turn)</c>.
/// </summary>
public sealed partial class PlanExpert : IPolicy
{
    private readonly ITaskSource _source;
    private readonly ExpertSettings _settings;

    /// <summary>Creates the expert for tasks from <paramref name="source"/>.</summary>
    public PlanExpert(ITaskSource source, ExpertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        if (!double.IsFinite(settings.ErrorRate) || settings.ErrorRate < 0 || settings.ErrorRate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.ErrorRate, "the expert error rate must be between 0 and 1");
        }

        _source = source;
        _settings = settings;
        Id = settings.ErrorRate == 0 ? "expert" : string.Create(CultureInfo.InvariantCulture, $"expert:{settings.ErrorRate}");
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var actions = new AgentAction[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            actions[i] = Act(requests[i]);
        }

        return ValueTask.FromResult<IReadOnlyList<AgentAction>>(actions);
    }

    /// <summary>Chooses the action for one request.</summary>
    public AgentAction Act(PolicyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (plan, parser) = Prepare(request.Seed);
        // Past the end only if the environment kept going after the last answer: answer again.
        var done = Math.Min(Progress(plan, parser, request.Context), plan.StepCount - 1);
        var (stageIndex, index) = plan.Locate(done);
        var stage = plan.Stages[stageIndex];
        var state = State(done, plan.StepCount);
        var pending = index < stage.Calls.Count ? stage.Calls[index] : null;

        var rng = SeededRandom.ForStream(SeededRandom.Derive(IEnvironment.NoiseSeed(request.Seed, request.Attempt), "expert", _settings.Seed), "turn", request.Turn);
        if (rng.Chance(_settings.ErrorRate))
        {
            var best = CurrentBest(stage, index);
            switch ((ExpertMistake)rng.Next(3))
            {
                case ExpertMistake.PrematureAnswer when pending is not null && stage.WrongAnswers.Count > 0:
                    return Write(state, "I will answer now with what I have.", parser.RenderAnswer(rng.Pick(stage.WrongAnswers)));
                case ExpertMistake.PrematureAnswer when pending is not null && best is not null:
                    return Write(state, "I will answer now with what I have.", parser.RenderAnswer(best));
                case ExpertMistake.MalformedTags:
                    return new AgentAction($"<think>{state} Let me compute.</think><answer>{best ?? stage.Answer}");
                case ExpertMistake.WrongArguments when pending is { Alternatives.Count: > 0 }:
                    return Write(state, pending.Note, parser.Render(rng.Pick(pending.Alternatives)));
                case ExpertMistake.WrongArguments when pending is not null && Mutate(pending.Call, rng) is { } wrong:
                    return Write(state, pending.Note, parser.Render(wrong));
                case ExpertMistake.PrematureAnswer or ExpertMistake.WrongArguments when pending is null && stage.WrongAnswers.Count > 0:
                    // At the answer step: a wrong answer, when the task names plausible ones.
                    return Write(state, "I think I have it.", parser.RenderAnswer(rng.Pick(stage.WrongAnswers)));
            }
        }

        return pending is not null
            ? Write(state, pending.Note, parser.Render(pending.Call))
            : Write(state, string.Create(CultureInfo.InvariantCulture, $"All {stage.Calls.Count} {(stage.Calls.Count == 1 ? "step is" : "steps are")} done; the answer is {stage.Answer}."), parser.RenderAnswer(stage.Answer));
    }

    // The task, its plan and a parser depend on the seed alone (ITaskSource's contract), and an
    // episode asks for the same seed on every turn: regenerating them each turn was most of the
    // expert's cost. A small lock-free table of immutable entries, one per seed slot, keeps the
    // latest ones; a miss (or another seed in the slot) regenerates, so the actions are the same.
    private const int PreparedSlots = 64;

    private readonly Prepared?[] _prepared = new Prepared?[PreparedSlots];

    private sealed record Prepared(long Seed, ExpertPlan Plan, IActionParser Parser);

    private (ExpertPlan Plan, IActionParser Parser) Prepare(long seed)
    {
        var slot = (int)((ulong)seed % PreparedSlots);
        var cached = Volatile.Read(ref _prepared[slot]);
        if (cached is not null && cached.Seed == seed)
        {
            return (cached.Plan, cached.Parser);
        }

        var task = _source.CreateTask(seed);
        var plan = task.Plan ?? throw new InvalidOperationException("the task has no expert plan, so the plan-following expert cannot play it");
        if (plan.StepCount == 0 || plan.Stages.Count == 0)
        {
            throw new InvalidOperationException("the task's expert plan is empty");
        }

        var parser = ParserFor(task.Tools);
        Volatile.Write(ref _prepared[slot], new Prepared(seed, plan, parser));
        return (plan, parser);
    }

    // A parser is immutable and depends only on the source's settings and the tool instances, which
    // most sources share across their tasks: the latest one is kept (an immutable entry, so
    // concurrent callers see a whole one) and reused while the tools are the same instances.
    private ToolsParser? _toolsParser;

    private sealed record ToolsParser(ITool[] Tools, IActionParser Parser);

    private IActionParser ParserFor(IReadOnlyList<ITool> tools)
    {
        if (Volatile.Read(ref _toolsParser) is { } known && ToolInstances.Same(known.Tools, tools))
        {
            return known.Parser;
        }

        var settings = _source.Settings;
        var parser = ActionParsers.Create(settings.Format, tools, settings.MaxToolCallsPerTurn);
        Volatile.Write(ref _toolsParser, new ToolsParser([.. tools], parser));
        return parser;
    }

    /// <summary>
    /// How many steps of <paramref name="plan"/> are done, recovered from the latest assistant
    /// message of <paramref name="context"/> (its <c>[plan P/N]</c> state) and the messages after it.
    /// A context with no such message, or one written for a plan of another length, means 0.
    /// </summary>
    public static int Progress(ExpertPlan plan, IActionParser parser, IReadOnlyList<ChatMessage> context)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(context);
        var last = -1;
        for (var i = context.Count - 1; i >= 0; i--)
        {
            if (context[i].Role == ChatRole.Assistant)
            {
                last = i;
                break;
            }
        }

        if (last < 0)
        {
            return 0;
        }

        var text = context[last].Content;
        if (!TryReadState(text, out var done, out var total) || total != plan.StepCount || done >= total)
        {
            return 0;
        }

        // Only the shape matters here, and Classify gives Parse's answer without building the calls.
        var shape = parser.Classify(text);
        if (shape == ActionShape.Invalid)
        {
            return done;
        }

        var (stage, index) = plan.Locate(done);
        if (shape == ActionShape.Answer)
        {
            // The environment closes a stage on any well-formed answer, right or wrong.
            return plan.StageStart(stage + 1);
        }

        var calls = plan.Stages[stage].Calls;
        if (index >= calls.Count)
        {
            return done;
        }

        var expected = calls[index].ExpectedResult.AsSpan().Trim();
        for (var i = last + 1; i < context.Count; i++)
        {
            if (context[i].Role == ChatRole.Tool && context[i].Content.AsSpan().Trim().SequenceEqual(expected))
            {
                return done + 1;
            }
        }

        return done;
    }

    [GeneratedRegex(@"\[plan (\d{1,9})/(\d{1,9})\]", RegexOptions.CultureInvariant)]
    private static partial Regex StatePattern();

    /// <summary>The first <c>[plan P/N]</c> of <paramref name="text"/>, read from the match's span (no Match object, no strings).</summary>
    private static bool TryReadState(string text, out int done, out int total)
    {
        done = 0;
        total = 0;
        foreach (var match in StatePattern().EnumerateMatches(text))
        {
            // "[plan " + digits + "/" + digits + "]": at most nine digits each, so both parse.
            var state = text.AsSpan(match.Index + "[plan ".Length, match.Length - "[plan ".Length - 1);
            var slash = state.IndexOf('/');
            return int.TryParse(state[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out done)
                && int.TryParse(state[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out total);
        }

        return false;
    }

    // "[plan P/N]" for the short plans most tasks have, made once instead of every turn.
    private const int SharedStates = 16;

    private static readonly string[] States = [.. Enumerable.Range(0, SharedStates * SharedStates).Select(i => StateText(i / SharedStates, i % SharedStates))];

    private static string State(int done, int total) =>
        (uint)done < SharedStates && (uint)total < SharedStates ? States[(done * SharedStates) + total] : StateText(done, total);

    private static string StateText(int done, int total) => string.Create(CultureInfo.InvariantCulture, $"[plan {done}/{total}]");

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Integer();

    private static AgentAction Write(string state, string note, string action) => new($"<think>{state} {note}</think>\n{action}");

    /// <summary>The value a hurried solver would answer with: the last result of the stage, or the first number of its first call.</summary>
    private static string? CurrentBest(PlanStage stage, int index)
    {
        if (index > 0 && index <= stage.Calls.Count)
        {
            return stage.Calls[index - 1].ExpectedResult.Trim();
        }

        return stage.Calls.Count > 0 && FirstNumber(stage.Calls[0].Call.Arguments) is { } first ? first : null;
    }

    private static string? FirstNumber(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.String => Integer().Match(element.GetString()!) is { Success: true } m ? m.Value : null,
        JsonValueKind.Object => element.EnumerateObject().Select(p => FirstNumber(p.Value)).FirstOrDefault(n => n is not null),
        JsonValueKind.Array => element.EnumerateArray().Select(FirstNumber).FirstOrDefault(n => n is not null),
        _ => null,
    };

    /// <summary>The call with its last number changed by 1 to 9, or null when its arguments hold no number.</summary>
    private static ToolCall? Mutate(ToolCall call, SeededRandom rng)
    {
        if (call.Arguments.ValueKind != JsonValueKind.Object || JsonNode.Parse(call.Arguments.GetRawText()) is not JsonObject root)
        {
            return null;
        }

        var delta = 1 + rng.Next(9);
        return MutateLast(root, delta)
            ? call with { Arguments = JsonSerializer.SerializeToElement(root, RelaxedJson) }
            : null;
    }

    private static bool MutateLast(JsonNode? node, int delta)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).Reverse().ToList())
                {
                    if (TryReplace(obj[key], delta, replacement => obj[key] = replacement) || MutateLast(obj[key], delta))
                    {
                        return true;
                    }
                }

                return false;
            case JsonArray array:
                for (var i = array.Count - 1; i >= 0; i--)
                {
                    var at = i;
                    if (TryReplace(array[at], delta, replacement => array[at] = replacement) || MutateLast(array[at], delta))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool TryReplace(JsonNode? node, int delta, Action<JsonNode> replace)
    {
        if (node is not JsonValue value)
        {
            return false;
        }

        if (value.GetValueKind() == JsonValueKind.Number)
        {
            replace(value.TryGetValue<long>(out var whole) ? JsonValue.Create(whole + delta) : JsonValue.Create(value.GetValue<double>() + delta));
            return true;
        }

        if (value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is var text)
        {
            var numbers = Integer().Matches(text);
            for (var i = numbers.Count - 1; i >= 0; i--)
            {
                if (long.TryParse(numbers[i].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number < long.MaxValue - 10)
                {
                    var changed = (number + delta).ToString(CultureInfo.InvariantCulture);
                    replace(JsonValue.Create(text[..numbers[i].Index] + changed + text[(numbers[i].Index + numbers[i].Length)..]));
                    return true;
                }
            }
        }

        return false;
    }

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
