using Gym.Core.Composition;
using Gym.Core.Context;
using Gym.Core.Datasets;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Scenarios;

/// <summary>
/// A validated scenario file: what task to play, how to transform it, what the agent sees and how it
/// is rewarded. Built only by <see cref="ScenarioLoader"/>, after every check passed; turning it into a
/// runnable environment is the job of the layer above.
/// </summary>
/// <param name="Id">The scenario id, lower-case segments separated by <c>/</c>, like <c>tool-use/easy</c>.</param>
/// <param name="Description">What the scenario trains; empty when not given.</param>
/// <param name="Task">The base task: a registered environment or a dataset file.</param>
/// <param name="Operators">Composition operators, applied innermost-first (the first wraps the task, the next wraps that).</param>
/// <param name="Tools">The tool names offered to the agent; <see langword="null"/> means the task's own tools.</param>
/// <param name="ActionFormat">How the agent writes tool calls; <see langword="null"/> means the task's default.</param>
/// <param name="Limits">Turn, action-length, tool-timeout and tool-call limits.</param>
/// <param name="Memory">The context (memory) policy and the tokenizer used to count context tokens.</param>
/// <param name="Rewards">The reward specification; <see langword="null"/> means the task's own rewards and weights.</param>
/// <param name="Policy">The default policy for <c>gym run</c>; <see langword="null"/> means the command's default.</param>
/// <param name="Seed">The base seed; <see langword="null"/> means the command's default.</param>
/// <param name="Episodes">The default episode count for <c>gym run</c>; <see langword="null"/> means the command's default.</param>
public sealed record ScenarioSpec(
    string Id,
    string Description,
    TaskSpec Task,
    IReadOnlyList<OperatorSpec> Operators,
    IReadOnlyList<string>? Tools,
    ActionFormat? ActionFormat,
    LimitsSpec Limits,
    ScenarioMemorySpec Memory,
    RewardSpec? Rewards,
    ScenarioPolicySpec? Policy,
    long? Seed,
    int? Episodes)
{
    /// <summary>
    /// The system prompt template that replaces the task's default system message (see
    /// <see cref="Gym.Core.Episodes.SystemPromptTemplate"/>); <see langword="null"/> keeps the task's default.
    /// </summary>
    public string? SystemPrompt { get; init; }
}

/// <summary>The task a scenario (or a <see cref="SequenceSpec"/> step) plays.</summary>
public abstract record TaskSpec;

/// <summary>A registered environment with its parameters.</summary>
/// <param name="Environment">The registered environment id, like <c>tool-use/arithmetic-v0</c>.</param>
/// <param name="Params">Environment parameters, kept as the text written in the file (the environment parses them).</param>
public sealed record EnvironmentTaskSpec(string Environment, IReadOnlyDictionary<string, string> Params) : TaskSpec;

/// <summary>Problems read from a dataset file.</summary>
/// <param name="Path">The absolute path of the dataset file, resolved against the folder of the file that named it.</param>
public sealed record DatasetTaskSpec(string Path) : TaskSpec
{
    /// <summary>Which question each episode plays (drawn by seed unless the scenario says otherwise).</summary>
    public DatasetOrder Order { get; init; } = DatasetOrder.Sample;

    /// <summary>The registered dataset format that reads the file; null picks it by the file's extension.</summary>
    public string? Format { get; init; }
}

/// <summary>What an operator may use while it wraps a task.</summary>
/// <param name="ScenarioId">The scenario's id, for the ids of wrapped environments.</param>
/// <param name="Objectives">A multi-objective K set by a parameter (a curriculum over <c>k</c>), overriding the file's.</param>
/// <param name="Source">Builds the task source of a nested task (a sequence's steps).</param>
public sealed record OperatorContext(string ScenarioId, int? Objectives, Func<TaskSpec, ITaskSource> Source);

/// <summary>
/// A composition operator that wraps a task. Each kind says how it applies: <see cref="Apply"/> is
/// abstract, so an operator without one does not compile.
/// </summary>
public abstract record OperatorSpec
{
    /// <summary>The operator's <c>kind</c> as written in YAML, like <c>multi-objective</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Wraps <paramref name="source"/> (the task so far, innermost operators applied).</summary>
    public abstract ITaskSource Apply(ITaskSource source, OperatorContext context);
}

/// <summary>An operator a module registered (<see cref="OperatorKind"/>), with its validated arguments.</summary>
/// <param name="Operator">The registered operator.</param>
/// <param name="Values">Its arguments by parameter name, defaults applied.</param>
public sealed record RegisteredOperatorSpec(OperatorKind Operator, IReadOnlyDictionary<string, object> Values) : OperatorSpec
{
    /// <inheritdoc />
    public override string Kind => Operator.Kind;

    /// <inheritdoc />
    public override ITaskSource Apply(ITaskSource source, OperatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Operator.Apply(source, new OperatorArguments(context.ScenarioId, Values));
    }
}

/// <summary>Sub-tasks one after another in one episode: the wrapped task first, then <paramref name="Tasks"/> in order.</summary>
/// <param name="Tasks">The tasks played after the wrapped one.</param>
public sealed record SequenceSpec(IReadOnlyList<TaskSpec> Tasks) : OperatorSpec
{
    /// <inheritdoc />
    public override string Kind => "sequence";

    /// <inheritdoc />
    public override ITaskSource Apply(ITaskSource source, OperatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Compose.Sequence([source, .. Tasks.Select(context.Source)], id: context.ScenarioId);
    }
}

/// <summary>K objectives packed into one episode, MEM1 style.</summary>
/// <param name="K">The number of objectives, 1 to 64.</param>
/// <param name="Aggregate">How per-objective outcome scores are combined.</param>
/// <param name="Separator">Joins the K prompts and separates the K answers.</param>
public sealed record MultiObjectiveSpec(int K, ObjectiveAggregate Aggregate, string Separator) : OperatorSpec
{
    /// <inheritdoc />
    public override string Kind => "multi-objective";

    /// <inheritdoc />
    public override ITaskSource Apply(ITaskSource source, OperatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Compose.MultiObjective(source, context.Objectives ?? K, Aggregate, Separator, id: context.ScenarioId);
    }
}

/// <summary>Irrelevant or misleading content injected into observations.</summary>
/// <param name="Rate">Probability, per observation, of an injection.</param>
/// <param name="Texts">The texts to inject; <see langword="null"/> means the operator's built-in ones.</param>
/// <param name="Misleading">Whether injected content contradicts the task instead of being merely irrelevant.</param>
public sealed record WithDistractorsSpec(double Rate, IReadOnlyList<string>? Texts, bool Misleading) : OperatorSpec
{
    /// <inheritdoc />
    public override string Kind => "with-distractors";

    /// <summary>
    /// Leaves the task source as it is: distractors change observations, so they wrap the finished
    /// environment (<see cref="Compose.WithDistractors"/>) after every other operator, limit and setting.
    /// </summary>
    public override ITaskSource Apply(ITaskSource source, OperatorContext context) => source;
}

/// <summary>Seeded tool errors, time-outs and added latency.</summary>
/// <param name="ErrorRate">Probability that a tool call fails with an error.</param>
/// <param name="TimeoutRate">Probability that a tool call times out.</param>
/// <param name="LatencyRate">Probability that a tool call is delayed.</param>
/// <param name="LatencyMs">The delay added to a delayed call, in milliseconds.</param>
public sealed record WithToolFaultsSpec(double ErrorRate, double TimeoutRate, double LatencyRate, int LatencyMs) : OperatorSpec
{
    /// <inheritdoc />
    public override string Kind => "with-tool-faults";

    /// <inheritdoc />
    public override ITaskSource Apply(ITaskSource source, OperatorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Compose.WithToolFaults(source, new ToolFaultSpec(ErrorRate, TimeoutRate, LatencyRate, LatencyMs), id: context.ScenarioId);
    }
}

/// <summary>A schedule over one task parameter that moves up a level after a window of episodes succeeds often enough.</summary>
/// <param name="Parameter">The task parameter the schedule sets, like <c>difficulty</c>.</param>
/// <param name="Levels">The values of that parameter, easiest first, as written in the file.</param>
/// <param name="PromoteAt">The success rate of a window of <paramref name="Window"/> episodes at which the next window plays the next level.</param>
/// <param name="Window">Episodes per window.</param>
public sealed record CurriculumSpec(string Parameter, IReadOnlyList<string> Levels, double PromoteAt, int Window) : OperatorSpec
{
    /// <inheritdoc />
    public override string Kind => "curriculum";

    /// <summary>Leaves the task as it is: a curriculum schedules episodes, so the runtime applies it (<see cref="BuiltScenario.Curriculum"/>).</summary>
    public override ITaskSource Apply(ITaskSource source, OperatorContext context) => source;
}

/// <summary>Limits on an episode; a <see langword="null"/> field keeps the task's default.</summary>
/// <param name="MaxTurns">Turns after which the episode is truncated.</param>
/// <param name="MaxActionChars">Longest action accepted, in characters.</param>
/// <param name="ToolTimeoutMs">Per-call tool time limit, in milliseconds.</param>
/// <param name="MaxToolCallsPerTurn">Most tool calls one action may make.</param>
public sealed record LimitsSpec(int? MaxTurns, int? MaxActionChars, int? ToolTimeoutMs, int? MaxToolCallsPerTurn)
{
    /// <summary>Whether observations end with a MEM1-style turns-left hint; null keeps the task's default.</summary>
    public bool? TurnsLeftHint { get; init; }

    /// <summary>No limits given: every field keeps the task's default.</summary>
    public static LimitsSpec None { get; } = new(null, null, null, null);
}

/// <summary>The tokenizer used to count context tokens.</summary>
public enum TokenizerKind
{
    /// <summary>The o200k_base encoding.</summary>
    O200k,
    /// <summary>The cl100k_base encoding.</summary>
    Cl100k,
    /// <summary>A <c>.tiktoken</c> BPE file named by the scenario.</summary>
    File,
}

/// <summary>The tokenizer used to count context tokens.</summary>
/// <param name="Kind">A built-in encoding or a file.</param>
/// <param name="Path">The absolute path of the <c>.tiktoken</c> file when <paramref name="Kind"/> is <see cref="TokenizerKind.File"/>.</param>
public sealed record TokenizerSpec(TokenizerKind Kind, string? Path = null)
{
    /// <summary>The default, o200k.</summary>
    public static TokenizerSpec Default { get; } = new(TokenizerKind.O200k);
}

/// <summary>The context (memory) policy.</summary>
/// <param name="Mode">What the agent sees of earlier turns.</param>
/// <param name="Window">Turns kept in <see cref="MemoryMode.Window"/> mode; <see langword="null"/> in every other mode.</param>
/// <param name="Tokenizer">The tokenizer used to count context tokens.</param>
/// <remarks>Named apart from <see cref="MemorySpec"/>, the runtime's form, which it maps to.</remarks>
public sealed record ScenarioMemorySpec(MemoryMode Mode, int? Window, TokenizerSpec Tokenizer)
{
    /// <summary>Full history, counted with o200k.</summary>
    public static ScenarioMemorySpec Default { get; } = new(MemoryMode.Full, null, TokenizerSpec.Default);
}

/// <summary>The reward specification.</summary>
/// <param name="Process">Per-turn components.</param>
/// <param name="Outcome">Per-episode components.</param>
/// <param name="Combine">How components are combined into the scalar reward.</param>
public sealed record RewardSpec(
    IReadOnlyList<RewardComponentSpec> Process,
    IReadOnlyList<RewardComponentSpec> Outcome,
    CombinatorSpec Combine);

/// <summary>One named reward component.</summary>
/// <param name="Kind">The component kind, like <c>numeric_match</c>.</param>
/// <param name="Weight">Its weight; 0 keeps it as a metric that does not count toward the reward.</param>
/// <param name="Params">Component parameters, kept as the text written in the file.</param>
public sealed record RewardComponentSpec(string Kind, double Weight, IReadOnlyDictionary<string, string> Params)
{
    /// <summary>Its name in breakdowns and combinators; the kind when not given.</summary>
    public string? Name { get; init; }

    /// <summary>The name in force: <see cref="Name"/>, else <see cref="Kind"/>.</summary>
    public string EffectiveName => Name ?? Kind;

    /// <summary>A rubric's criteria (rubric only).</summary>
    public IReadOnlyList<CriterionSpec> Criteria { get; init; } = [];

    /// <summary>The judge endpoint a rubric's judge criteria use (rubric only).</summary>
    public JudgeSpec? Judge { get; init; }
}

/// <summary>How a rubric criterion is scored.</summary>
public enum CriterionRuleKind
{
    /// <summary>A regular expression that must match.</summary>
    Regex,
    /// <summary>A substring that must occur.</summary>
    Contains,
    /// <summary>A JSON-path comparison on the text read as JSON.</summary>
    JsonPath,
    /// <summary>The number the text states must lie in a range.</summary>
    Range,
    /// <summary>An LLM judge's verdict.</summary>
    Judge,
}

/// <summary>One rubric criterion.</summary>
/// <param name="Name">Its name, reported as a metric <c>RUBRIC.NAME</c>.</param>
/// <param name="Weight">Its weight among the soft criteria.</param>
/// <param name="Hard">Whether it gates the rubric (score 0 unless met).</param>
/// <param name="Rule">Which rule scores it.</param>
/// <param name="Text">The rule's text: the pattern, substring, JSON path or the judge's criterion (empty for a range).</param>
public sealed record CriterionSpec(string Name, double Weight, bool Hard, CriterionRuleKind Rule, string Text)
{
    /// <summary>Case-insensitive matching (regex and contains).</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>The JSON-path comparison operator.</summary>
    public string Operator { get; init; } = "==";

    /// <summary>The JSON-path comparison value.</summary>
    public string Value { get; init; } = "";

    /// <summary>The range's lower bound.</summary>
    public double? Min { get; init; }

    /// <summary>The range's upper bound.</summary>
    public double? Max { get; init; }

    /// <summary>The judge's protocol: pointwise, or pairwise against the gold answer.</summary>
    public string Protocol { get; init; } = "pointwise";
}

/// <summary>An OpenAI-compatible chat endpoint used as an LLM judge.</summary>
/// <param name="BaseUrl">The server's base URL, like <c>http://localhost:8000/v1</c>.</param>
/// <param name="Model">The model name.</param>
/// <param name="ApiKeyEnv">The environment variable holding the API key, if any.</param>
/// <param name="TimeoutMs">Per-request time limit.</param>
/// <param name="Retries">Retries after a failed request.</param>
/// <param name="MaxTokens">The reply's token limit.</param>
/// <param name="Cache">The judge cache file as written (relative to the scenario file), or null for an in-memory cache.</param>
/// <param name="FailureValue">The score of a verdict the judge's reply does not state readably.</param>
public sealed record JudgeSpec(string BaseUrl, string Model, string? ApiKeyEnv, int TimeoutMs, int Retries, int MaxTokens, string? Cache, double FailureValue);

/// <summary>A reward combinator: a kind, its parameters, its children (combinators themselves) and the components it reads.</summary>
/// <param name="Kind">The combinator kind, like <c>weighted-sum</c> or <c>gate</c>.</param>
/// <param name="Params">Combinator parameters, kept as the text written in the file.</param>
/// <param name="Children">Nested combinators.</param>
public sealed record CombinatorSpec(string Kind, IReadOnlyDictionary<string, string> Params, IReadOnlyList<CombinatorSpec> Children)
{
    /// <summary>The weighted sum of all components, the default.</summary>
    public static CombinatorSpec WeightedSum { get; } = new("weighted-sum", new Dictionary<string, string>(), []);

    /// <summary>The components this node reads directly, by name.</summary>
    public IReadOnlyList<string> Of { get; init; } = [];

    /// <summary>Whether this is the default: a weighted sum of every component, with no tree.</summary>
    public bool IsDefault => Kind == "weighted-sum" && Children.Count == 0 && Of.Count == 0;
}

/// <summary>The default policy for <c>gym run</c>.</summary>
public abstract record ScenarioPolicySpec
{
    /// <summary>The policy's <c>kind</c> as written in YAML.</summary>
    public abstract string Kind { get; }
}

/// <summary>The task's scripted expert.</summary>
/// <param name="ErrorRate">Probability, per turn, that the expert makes a deliberate mistake.</param>
public sealed record ExpertPolicySpec(double ErrorRate) : ScenarioPolicySpec
{
    /// <inheritdoc />
    public override string Kind => "expert";
}

/// <summary>An OpenAI-compatible chat-completions server.</summary>
/// <param name="BaseUrl">The server's base URL, like <c>http://localhost:8000/v1</c>.</param>
/// <param name="Model">The model name sent with each request.</param>
/// <param name="ApiKeyEnv">The environment variable holding the API key, if the server needs one.</param>
public sealed record OpenAiPolicySpec(string BaseUrl, string Model, string? ApiKeyEnv) : ScenarioPolicySpec
{
    /// <inheritdoc />
    public override string Kind => "openai";

    /// <summary>Sampling temperature; null leaves it to the server.</summary>
    public double? Temperature { get; init; }

    /// <summary>Nucleus-sampling threshold; null leaves it to the server.</summary>
    public double? TopP { get; init; }

    /// <summary>Most tokens per turn; null leaves it to the server.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Stop sequences; empty sends none.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Whether to ask for and record the sampled tokens' log-probabilities.</summary>
    public bool LogProbs { get; init; } = true;

    /// <summary>How tool results are sent: as <c>tool</c> messages, or as <c>user</c> messages for servers that refuse the former.</summary>
    public Gym.Core.Policies.OpenAi.ToolMessageRole ToolMessages { get; init; }

    /// <summary>Whether tool use is sent as text or as chat-completion structure (<c>tools</c>, <c>tool_calls</c>, <c>tool_call_id</c>).</summary>
    public Gym.Core.Policies.OpenAi.OpenAiMessageMode Messages { get; init; }

    /// <summary>Time limit of one HTTP attempt, in seconds.</summary>
    public double TimeoutSeconds { get; init; } = 120;

    /// <summary>Retries after a timeout, connection error, 429 or 5xx.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Most requests in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 16;
}
