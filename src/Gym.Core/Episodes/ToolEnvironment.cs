using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>
/// The turn loop every tool-using task shares: parse the action, penalize malformed ones with an
/// explanatory observation, run tool calls through a <see cref="Toolbox"/>, score answers, and
/// truncate at the turn limit. Subclasses only generate tasks from seeds. A task whose answer
/// opens another stage (<see cref="AnswerScore.NextPrompt"/>) keeps the episode going.
/// </summary>
/// <remarks>
/// Disposal follows <see cref="IEnvironment"/>'s contract: idempotent, and a disposed environment
/// throws <see cref="ObjectDisposedException"/> from reset and step. The environment does not own its
/// <see cref="Rewards"/> program, which is shared by every environment built from the same settings;
/// subclasses that own something (a wrapped task source) release it in <see cref="Dispose(bool)"/>.
/// </remarks>
public abstract class ToolEnvironment : IReplayableEnvironment, ITaskSource, IDisposable
{
    /// <summary>The info key listing the tool faults injected during a step (only when <see cref="ToolEnvironmentSettings.Faults"/> is set).</summary>
    public const string ToolFaultsInfo = "tool_faults";

    /// <summary>Name of the per-turn format component.</summary>
    public const string FormatComponent = "format";

    /// <summary>Name of the per-turn tool-call validity component.</summary>
    public const string ToolCallComponent = "tool_call";

    private EpisodeTask? _task;
    private Toolbox? _toolbox;
    private IActionParser? _parser;
    private ToolFaultInjector? _faults;
    private RewardEpisode? _rewards;
    private int _turn;
    private int _stage;
    private bool _done;
    private bool _disposed;

    /// <summary>Creates the environment.</summary>
    protected ToolEnvironment(string id, ToolEnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Id = id;
        Settings = settings;
        Rewards = settings.EffectiveRewards;
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>The limits and weights in force.</summary>
    public ToolEnvironmentSettings Settings { get; }

    /// <inheritdoc />
    public int MaxTurns => Settings.MaxTurns;

    /// <summary>The reward program that scores every turn.</summary>
    public RewardProgram Rewards { get; }

    /// <summary>The current task; null before the first reset.</summary>
    protected EpisodeTask? CurrentTask => _task;

    /// <inheritdoc />
    public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default) => ResetAsync(seed, 0, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ResetResult> ResetAsync(long seed, int attempt, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        _task = CreateTask(seed);
        _faults = Settings.Faults is { IsActive: true } spec ? new ToolFaultInjector(spec, IEnvironment.NoiseSeed(seed, attempt), Settings.EffectiveToolTimeout) : null;
        if (_faults is not null)
        {
            _toolbox = new Toolbox(_faults.Wrap(_task.Tools), Settings.EffectiveToolTimeout);
            _parser = ActionParsers.Create(Settings.Format, _toolbox.Tools, Settings.MaxToolCallsPerTurn);
        }
        else
        {
            (_toolbox, _parser) = ToolsFor(_task.Tools);
        }

        _rewards = Rewards.Begin(_task.Reference, _task.Prompt);
        _turn = 0;
        _stage = 0;
        _done = false;
        IReadOnlyList<ChatMessage> observation = [ChatMessage.System(BuildSystemPrompt(_toolbox, _parser)), ChatMessage.User(_task.Prompt)];
        var info = ResetInfoBase(_task.Info).With("seed", seed);
        if (attempt != 0)
        {
            info = info.With("attempt", attempt);
        }

        return ValueTask.FromResult(new ResetResult(observation, info));
    }

    // A toolbox and a parser are immutable and depend only on the settings and the tool instances
    // they are made from, so one environment (which plays one episode at a time) keeps the last
    // pair and reuses it while its tasks offer the same tool instances, in the same order; tools
    // wrapped for fault injection are new every episode and always get a new pair.
    private ITool[]? _pairTools;
    private Toolbox? _pairToolbox;
    private IActionParser? _pairParser;

    private (Toolbox Toolbox, IActionParser Parser) ToolsFor(IReadOnlyList<ITool> tools)
    {
        if (_pairTools is { } known && _pairToolbox is { } toolbox && _pairParser is { } parser && ToolInstances.Same(known, tools))
        {
            return (toolbox, parser);
        }

        toolbox = new Toolbox(tools, Settings.EffectiveToolTimeout);
        parser = ActionParsers.Create(Settings.Format, toolbox.Tools, Settings.MaxToolCallsPerTurn);
        (_pairTools, _pairToolbox, _pairParser) = ([.. tools], toolbox, parser);
        return (toolbox, parser);
    }

    // A task source that shares one info across its tasks (most do: it depends on their options)
    // gets the turn limit added once; the seed, which changes every episode, is added after it.
    // The keys are sorted, so the order of the two additions does not show.
    private StepInfo? _infoOf;
    private StepInfo? _infoBase;

    private StepInfo ResetInfoBase(StepInfo taskInfo)
    {
        if (!ReferenceEquals(taskInfo, _infoOf) || _infoBase is null)
        {
            (_infoOf, _infoBase) = (taskInfo, taskInfo.With("max_turns", MaxTurns));
        }

        return _infoBase;
    }

    /// <inheritdoc />
    public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default) => StepCoreAsync(action, null, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StepResult> ReplayStepAsync(AgentAction action, IReadOnlyList<ToolInvocation> recorded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return StepCoreAsync(action, recorded, cancellationToken);
    }

    private async ValueTask<StepResult> StepCoreAsync(AgentAction action, IReadOnlyList<ToolInvocation>? recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ThrowIfDisposed();
        if (_task is null || _toolbox is null || _parser is null || _rewards is null)
        {
            throw new InvalidOperationException($"{Id}: call ResetAsync before StepAsync");
        }

        if (_done)
        {
            throw new InvalidOperationException($"{Id}: the episode has ended; call ResetAsync to start a new one");
        }

        _turn++;
        var text = action.Text ?? string.Empty;
        var parsed = text.Length > Settings.MaxActionChars
            ? ParsedAction.Invalid($"the action is {text.Length} characters long; the limit is {Settings.MaxActionChars}. {_parser.FormatInstructions}")
            : _parser.Parse(text);

        var observation = new List<ChatMessage>();
        var invocations = new List<ToolInvocation>();
        var info = TurnInfo(_turn - 1);
        var terminated = false;
        var reason = StopReason.None;
        var faultsBefore = _faults?.Injected.Count ?? 0;
        var stage = _stage;
        AnswerScore? score = null;
        IReadOnlyList<RewardTerm> taskOutcome = [];

        if (!parsed.IsValid)
        {
            observation.Add(ChatMessage.User($"Invalid action: {parsed.Error}"));
        }
        else if (parsed.IsAnswer)
        {
            score = _task.ScoreAnswer(parsed.Answer!);
            taskOutcome = score.Terms;
            _stage++;
            info = info.Merge(score.Info).With("expected_answer", score.Expected);
            if (score.NextPrompt is { } next)
            {
                observation.Add(ChatMessage.User(next));
            }
            else
            {
                info = info.With(StepInfo.IsSuccess, score.Success);
                terminated = true;
                reason = StopReason.Answered;
            }
        }
        else
        {
            if (recorded is not null && recorded.Count != parsed.ToolCalls.Count)
            {
                throw new ReplayMismatchException($"turn {_turn - 1}: the action makes {parsed.ToolCalls.Count} tool call(s) but {recorded.Count} were recorded");
            }

            for (var i = 0; i < parsed.ToolCalls.Count; i++)
            {
                var call = parsed.ToolCalls[i];
                var invocation = recorded is null ? await _toolbox.InvokeAsync(call, cancellationToken).ConfigureAwait(false) : Replayed(call, recorded[i]);
                invocations.Add(invocation);
                observation.Add(ChatMessage.Tool(invocation.Call.Name, invocation.Result.IsError ? $"Error: {invocation.Result.Content}" : invocation.Result.Content));
            }
        }

        if (_faults is not null && recorded is null)
        {
            info = info.With(ToolFaultsInfo, _faults.Injected.Skip(faultsBefore).Select(f => f.Kind.ToString().ToLowerInvariant()).ToList());
        }

        var truncated = !terminated && _turn >= MaxTurns;
        if (truncated)
        {
            taskOutcome = [.. taskOutcome, .. _task.NoAnswerOutcome()];
            info = info.With(StepInfo.IsSuccess, false);
            reason = StopReason.MaxTurns;
        }

        _done = terminated || truncated;
        if (!_done && Settings.TurnsLeftHint)
        {
            observation.Add(ChatMessage.User(TurnsLeft(MaxTurns - _turn)));
        }

        var turn = new TurnEvent
        {
            Turn = _turn - 1,
            MaxTurns = MaxTurns,
            ActionText = text,
            GeneratedTokens = action.TokenIds?.Count,
            FormatValid = parsed.IsValid,
            FormatError = parsed.Error,
            Calls = parsed.IsValid ? parsed.ToolCalls : [],
            Invocations = invocations,
            Answer = parsed.IsAnswer ? parsed.Answer : null,
            Score = score,
            TaskOutcome = taskOutcome,
            Stage = stage,
            Ends = _done,
            Truncated = truncated,
        };
        var breakdown = new RewardBreakdown(await _rewards.ScoreAsync(turn, cancellationToken).ConfigureAwait(false));
        return new StepResult(observation, breakdown.Total, breakdown, terminated, truncated, reason, info, invocations, parsed.Error);
    }

    /// <summary>Releases what this environment owns (see <see cref="Dispose(bool)"/>); later calls do nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _task = null;
        _toolbox = null;
        _parser = null;
        (_pairTools, _pairToolbox, _pairParser) = (null, null, null);
        (_promptToolbox, _promptParser, _prompt) = (null, null, null);
        _faults = null;
        _rewards = null;
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a subclass owns; called once, by the first <see cref="Dispose()"/>. The base holds nothing to release.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> when this environment has been disposed.</summary>
    protected void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowDisposed();
        }
    }

    private void ThrowDisposed() =>
        throw new ObjectDisposedException(GetType().FullName, $"{Id}: the environment has been disposed; make a new one to play another episode");

    /// <summary>Disposes <paramref name="owned"/> when it is disposable: how wrappers release the task sources they own.</summary>
    protected static void DisposeOwned(object? owned)
    {
        if (owned is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>The MEM1 turns-left hint for <paramref name="left"/> remaining turns.</summary>
    public static string TurnsLeft(int left) => left <= 1
        ? "[HINT] You must answer the question in the next turn."
        : left < TurnsLeftTexts.Length ? TurnsLeftTexts[left] : $"[HINT] You have {left} turns left.";

    // The same texts and infos every episode: made once instead of per step.
    private static readonly string[] TurnsLeftTexts = [.. Enumerable.Range(0, 64).Select(left => $"[HINT] You have {left} turns left.")];

    private static readonly StepInfo[] TurnInfos = [.. Enumerable.Range(0, 64).Select(turn => StepInfo.Empty.With("turn", turn))];

    private static StepInfo TurnInfo(int turn) => (uint)turn < (uint)TurnInfos.Length ? TurnInfos[turn] : StepInfo.Empty.With("turn", turn);

    private ToolInvocation Replayed(ToolCall call, ToolInvocation recorded)
    {
        if (call.Name != recorded.Call.Name || !JsonEquals(call.Arguments, recorded.Call.Arguments))
        {
            throw new ReplayMismatchException($"turn {_turn - 1}: the action calls {call.Name}({call.ArgumentsJson}) but the record has {recorded.Call.Name}({recorded.Call.ArgumentsJson})");
        }

        return new ToolInvocation(call, recorded.Result);
    }

    private static bool JsonEquals(System.Text.Json.JsonElement a, System.Text.Json.JsonElement b) =>
        string.Equals(Compact(a), Compact(b), StringComparison.Ordinal);

    // Whitespace in the raw text may differ between a parsed action and its JSON record; tokens may not.
    private static string Compact(System.Text.Json.JsonElement element) =>
        element.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "{}" : System.Text.Json.JsonSerializer.Serialize(element);

    /// <summary>Generates the task for an episode; must depend on <paramref name="seed"/> and constructor parameters only.</summary>
    protected abstract EpisodeTask CreateTask(long seed);

    // Explicit, so that subclasses keep overriding the protected factory while composition and
    // experts can still regenerate a task from a seed through the interface.
    EpisodeTask ITaskSource.CreateTask(long seed) => CreateTask(seed);

    /// <summary>
    /// The opening instructions: <see cref="ToolEnvironmentSettings.SystemPrompt"/> rendered, or by default
    /// role, turn limit, tools and action format (<see cref="SystemPromptTemplate.Default"/>). Override to
    /// change the wording.
    /// </summary>
    /// <remarks>
    /// The text depends only on the template, the turn limit, the tools' descriptions and the parser's
    /// format instructions, so it is built once per combination and shared (as one string instance) by
    /// every episode of every environment that plays with the same tool instances.
    /// </remarks>
    protected virtual string BuildSystemPrompt(Toolbox toolbox, IActionParser parser)
    {
        ArgumentNullException.ThrowIfNull(toolbox);
        ArgumentNullException.ThrowIfNull(parser);
        if (ReferenceEquals(toolbox, _promptToolbox) && ReferenceEquals(parser, _promptParser) && _prompt is { } last)
        {
            return last;
        }

        var tools = toolbox.Tools;
        var key = new SystemPromptKey(Settings.SystemPrompt, MaxTurns, parser.FormatInstructions, tools);
        if (!SystemPrompts.TryGetValue(key, out var prompt))
        {
            prompt = SystemPromptTemplate.Render(Settings.SystemPrompt ?? SystemPromptTemplate.Default, MaxTurns, toolbox, parser);
            if (SystemPrompts.Count >= MaxCachedSystemPrompts)
            {
                // Tools made afresh for every task (or wrapped per episode) would otherwise grow the cache without end.
                SystemPrompts.Clear();
            }

            SystemPrompts.TryAdd(key with { Tools = [.. tools] }, prompt);
        }

        (_promptToolbox, _promptParser, _prompt) = (toolbox, parser, prompt);
        return prompt;
    }

    // The prompt of the last toolbox and parser: with the pair reused across episodes, the shared
    // cache (which hashes the format instructions and the template) is not asked again.
    private Toolbox? _promptToolbox;
    private IActionParser? _promptParser;
    private string? _prompt;

    private const int MaxCachedSystemPrompts = 256;

    private static readonly ConcurrentDictionary<SystemPromptKey, string> SystemPrompts = new();

    /// <summary>What a system prompt depends on (a null template is the default one); tools compare by reference (a tool's description and schema never change).</summary>
    private readonly record struct SystemPromptKey(string? Template, int MaxTurns, string FormatInstructions, IReadOnlyList<ITool> Tools)
    {
        public bool Equals(SystemPromptKey other)
        {
            if (MaxTurns != other.MaxTurns || Tools.Count != other.Tools.Count
                || !string.Equals(Template, other.Template, StringComparison.Ordinal)
                || !string.Equals(FormatInstructions, other.FormatInstructions, StringComparison.Ordinal))
            {
                return false;
            }

            for (var i = 0; i < Tools.Count; i++)
            {
                if (!ReferenceEquals(Tools[i], other.Tools[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(Template, StringComparer.Ordinal);
            hash.Add(MaxTurns);
            hash.Add(FormatInstructions, StringComparer.Ordinal);
            foreach (var tool in Tools)
            {
                hash.Add(RuntimeHelpers.GetHashCode(tool));
            }

            return hash.ToHashCode();
        }
    }
}
