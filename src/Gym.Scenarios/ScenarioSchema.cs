using System.Runtime.CompilerServices;
using Gym.Core.Composition;
using Gym.Core.Context;
using Gym.Core.Datasets;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies.OpenAi;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Scenarios.Schema;
using Gym.Scenarios.Yaml;

namespace Gym.Scenarios;

/// <summary>
/// The scenario language, described once: the loader validates and binds against this description,
/// <see cref="ToJsonSchema"/> generates docs/scenario.schema.json from it, and <see cref="ToMarkdown"/>
/// generates the key tables of docs/scenarios.md.
/// </summary>
public static class ScenarioSchema
{
    /// <summary>Reward combinator kinds known now.</summary>
    public static IReadOnlyList<string> CombinatorKinds { get; } = [.. RewardCombinatorCatalog.Kinds.Select(k => k.Kind)];

    /// <summary>Tokenizer encodings that are names rather than files.</summary>
    public static IReadOnlyList<string> TokenizerNames { get; } = ["o200k", "cl100k"];

    private const string TaskDefault = "the task's default";

    private static readonly string[] FaultRates = ["error_rate", "timeout_rate", "latency_rate"];

    private static readonly ScalarSchema Text = new() { Kind = ScalarKind.String, MinLength = 1 };
    private static readonly ScalarSchema Rate = new() { Kind = ScalarKind.Number, Minimum = 0, Maximum = 1 };
    private static readonly MapSchema Parameters = new();

    private static readonly ScalarSchema Url = new() { Kind = ScalarKind.String, Pattern = "https?://[^\\s]+", PatternExpected = "an http:// or https:// URL like 'http://localhost:8000/v1'", Example = "http://localhost:8000/v1" };

    private static readonly ScalarSchema EnvName = new() { Kind = ScalarKind.String, Pattern = "[A-Za-z_][A-Za-z0-9_]*", PatternExpected = "an environment variable name like 'OPENAI_API_KEY'", Example = "OPENAI_API_KEY" };

    private static readonly ScalarSchema PromptTemplate = new()
    {
        Kind = ScalarKind.String,
        MinLength = 1,
        // Any text but single braces, which must open one of the known placeholders.
        EditorPattern = $"(?:[^{{}}]|\\{{\\{{|\\}}\\}}|\\{{(?:{string.Join("|", SystemPromptTemplate.Placeholders)})\\}})*",
        Check = (text, path) => SystemPromptTemplate.Check(text) is { } problem ? ($"{path} {problem.Describe()}", problem.Hint) : null,
    };

    private static ScalarSchema Int(int min, int? max = null) => new() { Kind = ScalarKind.Integer, Minimum = min, Maximum = max };

    private static readonly ScalarSchema CombinatorKind = new()
    {
        Kind = ScalarKind.String,
        Allowed = CombinatorKinds,
        AllowedNoun = "combinator",
    };

    internal static ObjectSchema Task { get; } = new(
        "task",
        "task",
        "The task to play: a registered environment with its parameters, or a dataset file. Exactly one of `environment` and `dataset`.",
        () =>
        [
            new Field("environment", new ScalarSchema
            {
                Kind = ScalarKind.String,
                Pattern = "[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*-v[0-9]+",
                PatternExpected = "a registered environment id like 'tool-use/arithmetic-v0' (gym list shows them)",
                Example = "tool-use/arithmetic-v0",
            }, "A registered environment id (`gym list` shows them)."),
            new Field("params", Parameters, "Environment parameters (`gym list` shows each environment's); values are passed as text and checked by the environment.", Default: null),
            new Field("dataset", new ScalarSchema { Kind = ScalarKind.String, FileNoun = "dataset" }, "A file of problems, relative to the file that names it; it must exist."),
            new Field("order", ScalarSchema.Enum<DatasetOrder>(), "Which question each episode of a `dataset` task plays: `sample` draws one by the episode seed (with replacement); `sequential` plays episode i on question i mod N, in file order; `shuffled` plays every question once per pass, in an order seeded by the run seed. `gym run --episodes all` then plays each question exactly once.", Default: "sample"),
            new Field("format", Text, "The dataset format that reads the file, by name (`gym list dataset-formats`), when its extension does not say or says wrong.", WhenAbsent: "picked by the file's extension"),
        ],
        b => b.Has("environment")
            ? new EnvironmentTaskSpec(b.Get<string>("environment"), b.Map("params"))
            : new DatasetTaskSpec(b.Get<string>("dataset")) { Order = b.Get<DatasetOrder>("order"), Format = b.Get<string?>("format") })
    {
        Alternatives = [new Alternative("environment", ["params"]), new Alternative("dataset", ["order", "format"])],
        Check = check =>
        {
            CheckEnvironment(check);
            CheckDataset(check);
        },
    };

    private static IReadOnlyList<ObjectSchema> BuiltInOperators { get; } =
    [
        new ObjectSchema(
            "operator-sequence",
            "operator: sequence",
            "Sub-tasks one after another in one episode: the wrapped task first, then each of `tasks` in order. The episode succeeds when every sub-task does.",
            () => [new Field("tasks", new ListSchema(Task, minItems: 1), "The tasks played after the wrapped one, in order.", Required: true)],
            b => new SequenceSpec(b.List<TaskSpec>("tasks")))
        { KindValue = "sequence" },
        new ObjectSchema(
            "operator-multi-objective",
            "operator: multi-objective",
            "K objectives in one episode, MEM1 style: K problems of the wrapped task joined into one prompt, answered together as `a1; a2; …; aK`, each answer scored on its own.",
            () =>
            [
                new Field("k", Int(1, 64), "The number of objectives packed into one episode.", Required: true),
                new Field("aggregate", ScalarSchema.Enum<ObjectiveAggregate>(), "How per-objective outcome scores combine: `sum` (MEM1) or `mean`.", Default: "sum"),
                new Field("separator", Text, "Joins the K prompts and separates the K answers.", Default: "; "),
            ],
            b => new MultiObjectiveSpec(b.Get<int>("k"), b.Get<ObjectiveAggregate>("aggregate"), b.Get<string>("separator")))
        { KindValue = "multi-objective" },
        new ObjectSchema(
            "operator-with-distractors",
            "operator: with-distractors",
            "Appends irrelevant (or, with `misleading`, wrongly correcting) messages to observations at a seeded rate.",
            () =>
            [
                new Field("rate", Rate, "Probability, per step, that a message is appended.", Required: true),
                new Field("texts", new ListSchema(Text, minItems: 1), "The texts to inject (with `misleading`, templates where `{n}` is the wrong value); built-in ones when absent.", WhenAbsent: "built-in texts"),
                new Field("misleading", new ScalarSchema { Kind = ScalarKind.Boolean }, "Inject plausible wrong corrections of the latest tool result instead of irrelevant chatter.", Default: "false"),
            ],
            b => new WithDistractorsSpec(b.Get<double>("rate"), b.OptionalList<string>("texts"), b.Get<bool>("misleading")))
        { KindValue = "with-distractors" },
        new ObjectSchema(
            "operator-with-tool-faults",
            "operator: with-tool-faults",
            "Seeded tool faults: calls fail with an error, time out, or are delayed, each at its own rate; the three rates add up to at most 1.",
            () =>
            [
                new Field("error_rate", Rate, "Probability that a tool call fails with an error observation.", Default: "0"),
                new Field("timeout_rate", Rate, "Probability that a tool call times out.", Default: "0"),
                new Field("latency_rate", Rate, "Probability that a tool call is delayed by `latency_ms`.", Default: "0"),
                new Field("latency_ms", Int(0, 600_000), "The delay added to a delayed call, in milliseconds.", Default: "0"),
            ],
            b => new WithToolFaultsSpec(b.Get<double>("error_rate"), b.Get<double>("timeout_rate"), b.Get<double>("latency_rate"), b.Get<int>("latency_ms")))
        {
            KindValue = "with-tool-faults",
            Check = CheckFaultRates,
        },
        new ObjectSchema(
            "operator-curriculum",
            "operator: curriculum",
            "A schedule over one task parameter (such as `difficulty`, or `k` of a multi-objective operator): episodes run in windows of `window`, the first at the first level; when a window's success rate reaches `promote_at`, the next window plays the next level.",
            () =>
            [
                new Field("parameter", Text, "The parameter the schedule sets.", Required: true),
                new Field("levels", new ListSchema(new ScalarSchema { Kind = ScalarKind.Any }, minItems: 2), "The parameter's values, easiest first.", Required: true),
                new Field("promote_at", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0, Maximum = 1, ExclusiveBounds = true }, "The success rate of a window at which the next window moves up a level.", Default: "0.8"),
                new Field("window", Int(1), "Episodes per window: the success rate is measured over each window.", Default: "20"),
            ],
            b => new CurriculumSpec(b.Get<string>("parameter"), b.List<string>("levels"), b.Get<double>("promote_at"), b.Get<int>("window")))
        { KindValue = "curriculum" },
    ];

    /// <summary>The operator union: the language's own operators, then those <paramref name="registered"/> by modules.</summary>
    private static UnionSchema OperatorUnion(IReadOnlyList<OperatorKind> registered) =>
        new("operator", "operator", [.. BuiltInOperators, .. registered.Select(RegisteredOperator)]);

    private static ObjectSchema RegisteredOperator(OperatorKind kind) => new(
        $"operator-{kind.Kind}",
        $"operator: {kind.Kind}",
        kind.Description,
        () => [.. kind.Parameters.Select(p => new Field(p.Name, ParameterSchema(p), p.Description, Required: p.Default is null, Default: p.Default))],
        b => new RegisteredOperatorSpec(kind, kind.Parameters.ToDictionary(p => p.Name, p => ParameterValue(b, p), StringComparer.Ordinal)))
    { KindValue = kind.Kind };

    private static ScalarSchema ParameterSchema(OperatorParameter parameter) => parameter.Type switch
    {
        OperatorParameterType.Integer => new ScalarSchema { Kind = ScalarKind.Integer, Minimum = parameter.Minimum, Maximum = parameter.Maximum },
        OperatorParameterType.Number => new ScalarSchema { Kind = ScalarKind.Number, Minimum = parameter.Minimum, Maximum = parameter.Maximum },
        OperatorParameterType.Boolean => new ScalarSchema { Kind = ScalarKind.Boolean },
        _ => Text,
    };

    private static object ParameterValue(Bound bound, OperatorParameter parameter) => parameter.Type switch
    {
        OperatorParameterType.Integer => bound.Get<int>(parameter.Name),
        OperatorParameterType.Number => bound.Get<double>(parameter.Name),
        OperatorParameterType.Boolean => bound.Get<bool>(parameter.Name),
        _ => bound.Get<string>(parameter.Name),
    };

    internal static ObjectSchema Limits { get; } = new(
        "limits",
        "limits",
        "Episode limits. A key left out keeps the task's own default.",
        () =>
        [
            new Field("max_turns", Int(1, 1024), "Turns after which the episode is truncated.", WhenAbsent: TaskDefault),
            new Field("max_action_chars", Int(1, 1_000_000), "The longest action accepted, in characters; longer actions are malformed.", WhenAbsent: TaskDefault),
            new Field("tool_timeout_ms", Int(1, 600_000), "Per-call tool time limit, in milliseconds.", WhenAbsent: TaskDefault),
            new Field("max_tool_calls_per_turn", Int(1, 64), "The most tool calls one action may make.", WhenAbsent: TaskDefault),
            new Field("turns_left_hint", new ScalarSchema { Kind = ScalarKind.Boolean }, "End every observation with MEM1's hint `[HINT] You have N turns left.` (with one turn left: `You must answer the question in the next turn.`).", WhenAbsent: TaskDefault),
        ],
        b => new LimitsSpec(b.Optional<int>("max_turns"), b.Optional<int>("max_action_chars"), b.Optional<int>("tool_timeout_ms"), b.Optional<int>("max_tool_calls_per_turn"))
        {
            TurnsLeftHint = b.Optional<bool>("turns_left_hint"),
        });

    internal static ObjectSchema Memory { get; } = new(
        "memory",
        "memory",
        "The context (memory) policy: what the agent sees of earlier turns, and the tokenizer that counts context tokens.",
        () =>
        [
            new Field("mode", ScalarSchema.Enum<MemoryMode>(), "`full` history; `mem1` consolidation (task prompt, latest internal state with its action, latest observation); `window` (the last `window` turns); `strip-think` (older `<think>` blocks removed).", Default: "full"),
            new Field("window", Int(1), "Turns kept in `window` mode; required in that mode and not allowed in the others.", WhenAbsent: "required when mode is window"),
            new Field("tokenizer", new ScalarSchema { Kind = ScalarKind.String, FileNoun = "tokenizer", Keywords = TokenizerNames, RequiredExtension = ".tiktoken" }, "`o200k`, `cl100k`, or a `.tiktoken` BPE file relative to the file that names it (it must exist).", Default: "o200k"),
        ],
        b =>
        {
            var tokenizer = b.Get<string>("tokenizer");
            var spec = tokenizer switch
            {
                "o200k" => TokenizerSpec.Default,
                "cl100k" => new TokenizerSpec(TokenizerKind.Cl100k),
                _ => new TokenizerSpec(TokenizerKind.File, tokenizer),
            };
            return new ScenarioMemorySpec(b.Get<MemoryMode>("mode"), b.Optional<int>("window"), spec);
        })
    {
        Conditionals = [new Conditional("window", "mode", "window")],
    };

    private static readonly ScalarSchema ComponentName = new()
    {
        Kind = ScalarKind.String,
        Pattern = "[a-z0-9_]+(?:[.-][a-z0-9_]+)*",
        PatternExpected = "lower-case letters, digits and '_', like 'reached_half'",
        Example = "reached_half",
    };

    internal static ObjectSchema Range { get; } = new(
        "range",
        "range",
        "Bounds of a numeric range; at least one of `min` and `max`.",
        () =>
        [
            new Field("min", new ScalarSchema { Kind = ScalarKind.Number }, "The lower bound (inclusive).", WhenAbsent: "no lower bound"),
            new Field("max", new ScalarSchema { Kind = ScalarKind.Number }, "The upper bound (inclusive).", WhenAbsent: "no upper bound"),
        ],
        b => ((double?, double?)?)(b.Optional<double>("min"), b.Optional<double>("max")))
    {
        Check = check =>
        {
            var min = check.Values.TryGetValue("min", out var lo) ? (double?)lo : null;
            var max = check.Values.TryGetValue("max", out var hi) ? (double?)hi : null;
            if (min is null && max is null)
            {
                check.Error(check.Node, $"{check.Path} needs 'min' or 'max'", "write range: {min: 1, max: 10}");
            }
            else if (min > max)
            {
                check.Error(check.Node, $"{check.Path} has min {ScalarSchema.Format(min!.Value)} above max {ScalarSchema.Format(max!.Value)}", "min must be at most max");
            }
        },
    };

    internal static ObjectSchema Criterion { get; } = new(
        "rubric-criterion",
        "rubric criterion",
        "One rubric criterion: a name, a weight, whether it is a hard gate, and exactly one rule: `regex`, `contains`, `json_path`, `range` or `judge`.",
        () =>
        [
            new Field("name", ComponentName, "The criterion's name; reported as the metric `RUBRIC.NAME`.", Required: true),
            new Field("weight", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0 }, "Its weight among the soft criteria.", Default: "1"),
            new Field("hard", new ScalarSchema { Kind = ScalarKind.Boolean }, "A hard criterion gates the rubric: the rubric scores 0 unless it is met (score ≥ 0.5).", Default: "false"),
            new Field("regex", Text, "Met when this regular expression matches the text."),
            new Field("contains", Text, "Met when the text contains this string."),
            new Field("ignore_case", new ScalarSchema { Kind = ScalarKind.Boolean }, "Case-insensitive `regex` or `contains`.", Default: "false"),
            new Field("json_path", Text, "A path like `$.items[0].price` into the text read as JSON (the first {…} or […] block), compared with `value` by `op`."),
            new Field("op", new ScalarSchema { Kind = ScalarKind.String, Allowed = ["==", "!=", "<", "<=", ">", ">=", "contains", "exists"] }, "The JSON-path comparison.", Default: "=="),
            new Field("value", new ScalarSchema { Kind = ScalarKind.Any }, "The JSON-path comparison value (numbers compare numerically).", Default: ""),
            new Field("range", Range, "Met when the one number the text states lies in [min, max]."),
            new Field("judge", Text, "The criterion an LLM judge rates (the rubric's `judge` endpoint)."),
            new Field("protocol", new ScalarSchema { Kind = ScalarKind.String, Allowed = ["pointwise", "pairwise"] }, "`pointwise` rates the text 0–10; `pairwise` compares it with the gold answer in both orders and averages.", Default: "pointwise"),
        ],
        b =>
        {
            var (rule, text) = b.Has("regex") ? (CriterionRuleKind.Regex, b.Get<string>("regex"))
                : b.Has("contains") ? (CriterionRuleKind.Contains, b.Get<string>("contains"))
                : b.Has("json_path") ? (CriterionRuleKind.JsonPath, b.Get<string>("json_path"))
                : b.Has("range") ? (CriterionRuleKind.Range, "")
                : (CriterionRuleKind.Judge, b.Get<string>("judge"));
            var range = b.Get<(double? Min, double? Max)?>("range");
            return new CriterionSpec(b.Get<string>("name"), b.Get<double>("weight"), b.Get<bool>("hard"), rule, text)
            {
                IgnoreCase = b.Get<bool>("ignore_case"),
                Operator = b.Get<string>("op"),
                Value = b.Get<string>("value"),
                Min = range?.Min,
                Max = range?.Max,
                Protocol = b.Get<string>("protocol"),
            };
        })
    {
        Alternatives =
        [
            new Alternative("regex", ["ignore_case"]),
            new Alternative("contains", ["ignore_case"]),
            new Alternative("json_path", ["op", "value"]),
            new Alternative("range", []),
            new Alternative("judge", ["protocol"]),
        ],
    };

    internal static ObjectSchema Judge { get; } = new(
        "judge",
        "judge",
        "An OpenAI-compatible chat-completions endpoint used as an LLM judge by a rubric's `judge` criteria. Replies are cached by the exact request, so re-scoring is free.",
        () =>
        [
            new Field("base_url", Url, "The server's base URL.", Required: true),
            new Field("model", Text, "The model name sent with each request.", Required: true),
            new Field("api_key_env", EnvName, "The environment variable that holds the API key, if the server needs one."),
            new Field("timeout_ms", Int(1, 600_000), "Per-request time limit, in milliseconds.", Default: "60000"),
            new Field("retries", Int(0, 10), "Retries after a timeout, connection error, 429 or 5xx.", Default: "2"),
            new Field("max_tokens", Int(1, 65_536), "The reply's token limit.", Default: "512"),
            new Field("cache", new ScalarSchema { Kind = ScalarKind.String, MinLength = 1 }, "A JSONL file, relative to the scenario file, that keeps replies across runs (created when missing).", WhenAbsent: "in memory, for the run"),
            new Field("failure_value", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0, Maximum = 1 }, "The score given when the judge's reply states no readable verdict.", Default: "0"),
        ],
        b => new JudgeSpec(b.Get<string>("base_url"), b.Get<string>("model"), b.Get<string?>("api_key_env"), b.Get<int>("timeout_ms"), b.Get<int>("retries"), b.Get<int>("max_tokens"), b.Get<string?>("cache"), b.Get<double>("failure_value")));

    private static ObjectSchema ComponentSchema(IReadOnlyList<string> kinds) => new(
        "reward-component",
        "reward component",
        "One named reward component. By default the scalar reward is the weighted sum of components (see `combine`); a weight of 0 keeps a component as a metric only. docs/rewards.md gives every kind's formula and parameters.",
        () =>
        [
            new Field("kind", new ScalarSchema { Kind = ScalarKind.String, Allowed = kinds, AllowedNoun = "reward component" }, "The component.", Required: true),
            new Field("name", ComponentName, "Its name in breakdowns and in combinators' `of`; needed when a kind appears twice.", WhenAbsent: "the kind"),
            new Field("weight", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0 }, "Its weight; 0 reports it without counting it.", Default: "1"),
            new Field("params", Parameters, "Component parameters (see docs/rewards.md), passed as text and checked per kind."),
            new Field("criteria", new ListSchema(Criterion, minItems: 1), "A rubric's criteria; required for `rubric`, not allowed otherwise.", WhenAbsent: "required for rubric"),
            new Field("judge", Judge, "The LLM judge endpoint a rubric's `judge` criteria use.", WhenAbsent: "none (judge criteria need one)"),
        ],
        b => new RewardComponentSpec(b.Get<string>("kind"), b.Get<double>("weight"), b.Map("params"))
        {
            Name = b.Get<string?>("name"),
            Criteria = b.List<CriterionSpec>("criteria"),
            Judge = b.Get<JudgeSpec?>("judge"),
        })
    {
        Conditionals = [new Conditional("criteria", "kind", "rubric")],
        Check = CheckComponent,
    };

    internal static ObjectSchema Combinator { get; } = new(
        "combinator",
        "combinator",
        "A reward combinator: its inputs are its nested `children` and the components named in `of` (each as weight × raw); written as a kind or as a mapping. docs/rewards.md gives every kind's formula.",
        () =>
        [
            new Field("kind", CombinatorKind, "The combinator.", Required: true),
            new Field("params", Parameters, "Combinator parameters, passed as text (a gate's threshold, a clip's bounds, shaping's potential)."),
            new Field("of", new ListSchema(ComponentName, uniqueNoun: "component"), "Components read directly, by name.", WhenAbsent: "none"),
            new Field("children", new ListSchema(CombinatorOrKind), "Nested combinators.", WhenAbsent: "none"),
        ],
        b => new CombinatorSpec(b.Get<string>("kind"), b.Map("params"), b.List<CombinatorSpec>("children")) { Of = b.List<string>("of") })
    {
        Check = CheckCombinator,
    };

    private static ShorthandSchema CombinatorOrKind => new(CombinatorKind, Combinator, kind => new CombinatorSpec((string)kind, new Dictionary<string, string>(StringComparer.Ordinal), []));

    private static ObjectSchema RewardsSchema(ObjectSchema component) => new(
        "rewards",
        "rewards",
        "The reward specification. Without `rewards`, the task's own components and weights apply; with it, exactly these components do.",
        () =>
        [
            new Field("process", new ListSchema(component), "Per-turn components (format, tool calls, turn cost, …).", WhenAbsent: "none"),
            new Field("outcome", new ListSchema(component), "Per-episode components (exact match, numeric match, …).", WhenAbsent: "none"),
            new Field("combine", CombinatorOrKind, "How components combine into the scalar reward: the weighted sum, or a tree of combinators.", Default: "weighted-sum"),
        ],
        b => new RewardSpec(b.List<RewardComponentSpec>("process"), b.List<RewardComponentSpec>("outcome"), b.Get<CombinatorSpec?>("combine") ?? CombinatorSpec.WeightedSum))
    {
        Check = CheckRewards,
    };

    internal static UnionSchema Policy { get; } = new("policy", "policy",
    [
        new ObjectSchema(
            "policy-expert",
            "policy: expert",
            "The task's scripted expert.",
            () => [new Field("error_rate", Rate, "Probability, per turn, of a deliberate mistake.", Default: "0")],
            b => new ExpertPolicySpec(b.Get<double>("error_rate")))
        { KindValue = "expert" },
        new ObjectSchema(
            "policy-openai",
            "policy: openai",
            "An OpenAI-compatible chat-completions server (vLLM, llama.cpp, Ollama, OpenAI, `gym serve-policy`); see docs/openai.md.",
            () =>
            [
                new Field("base_url", Url, "The server's base URL; requests go to `{base_url}/chat/completions`.", Required: true),
                new Field("model", Text, "The model name sent with each request; the policy id is `openai:MODEL`.", Required: true),
                new Field("api_key_env", EnvName, "The environment variable that holds the API key, if the server needs one."),
                new Field("temperature", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0, Maximum = 2 }, "Sampling temperature.", WhenAbsent: "the server's default"),
                new Field("top_p", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0, Maximum = 1 }, "Nucleus-sampling threshold, in (0, 1].", WhenAbsent: "the server's default"),
                new Field("max_tokens", Int(1, 1_000_000), "Most tokens per turn.", WhenAbsent: "the server's default"),
                new Field("stop", new ListSchema(Text, minItems: 1), "Stop sequences; the server leaves them out of the returned text.", WhenAbsent: "none"),
                new Field("logprobs", new ScalarSchema { Kind = ScalarKind.Boolean }, "Ask for the sampled tokens' log-probabilities and record them in the actions (when the server returns them).", Default: "true"),
                new Field("tool_messages", ScalarSchema.Enum<ToolMessageRole>(), "How tool results are sent: `tool` (role `tool` with the tool's `name`) or `user` (a user message `Tool NAME returned:` and the result, for servers such as OpenAI's that accept tool messages only after native `tool_calls`).", Default: "tool"),
                new Field("messages", ScalarSchema.Enum<OpenAiMessageMode>(), "How tool use is sent: `text` (tool calls inside the assistant's text, no `tools`; every server) or `structured` (the episode's tools as `tools`, the assistant's calls as `tool_calls` with ids `call_TURN_INDEX`, tool results with their `tool_call_id`; a reply's `tool_calls` become the action), so that the server applies the model's real chat template to tool turns.", Default: "text"),
                new Field("timeout_seconds", new ScalarSchema { Kind = ScalarKind.Number, Minimum = 0, Maximum = 3600, ExclusiveBounds = true }, "Time limit of one HTTP attempt, in seconds; a timed-out attempt is retried.", Default: "120"),
                new Field("max_retries", Int(0, 20), "Retries after a timeout, connection error, 429 or 5xx, with exponential backoff honoring `Retry-After`.", Default: "3"),
                new Field("max_concurrency", Int(1, 4096), "Most requests in flight at once.", Default: "16"),
            ],
            b => new OpenAiPolicySpec(b.Get<string>("base_url"), b.Get<string>("model"), b.Get<string?>("api_key_env"))
            {
                Temperature = b.Optional<double>("temperature"),
                TopP = b.Optional<double>("top_p"),
                MaxTokens = b.Optional<int>("max_tokens"),
                Stop = b.OptionalList<string>("stop") ?? [],
                LogProbs = b.Get<bool>("logprobs"),
                ToolMessages = b.Get<ToolMessageRole>("tool_messages"),
                Messages = b.Get<OpenAiMessageMode>("messages"),
                TimeoutSeconds = b.Get<double>("timeout_seconds"),
                MaxRetries = b.Get<int>("max_retries"),
                MaxConcurrency = b.Get<int>("max_concurrency"),
            })
        {
            KindValue = "openai",
            Check = CheckOpenAiPolicy,
        },
    ]);

    private static ObjectSchema RootSchema(UnionSchema operators, ObjectSchema rewards) => new(
        "scenario",
        "scenario",
        "A scenario file. `id` and `task` are required (they may come from the file named by `extends`).",
        () =>
        [
            new Field("extends", new ScalarSchema { Kind = ScalarKind.String, FileNoun = "base scenario" }, "A base scenario file, relative to this one; this file's keys override it (see Extends)."),
            new Field("id", new ScalarSchema
            {
                Kind = ScalarKind.String,
                Pattern = "[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*",
                PatternExpected = "lower-case words of letters, digits and '-', separated by '/', like 'tool-use/easy'",
                Example = "tool-use/easy",
            }, "The scenario id, like `tool-use/easy`.", Required: true),
            new Field("description", new ScalarSchema { Kind = ScalarKind.String }, "What the scenario trains.", Default: ""),
            new Field("task", Task, "The base task.", Required: true),
            new Field("operators", new ListSchema(operators), "Composition operators, applied innermost-first: the first wraps the task, the second wraps that, and so on.", WhenAbsent: "none"),
            new Field("tools", new ListSchema(Text, uniqueNoun: "tool"), "The tool names offered to the agent.", WhenAbsent: "the task's tools"),
            new Field("action_format", ScalarSchema.Enum<ActionFormat>(), "How the agent writes tool calls: `json-tool-calls` (`<tool_call>{…}</tool_call>`) or `xml-tags`.", WhenAbsent: TaskDefault),
            new Field("system_prompt", PromptTemplate, "The system message that opens every episode, in place of the task's default (role, turn limit, the tools' JSON schemas, the action format's instructions). A template: `{max_turns}` (the turn limit), `{tools}` (the tools as JSON), `{tool_names}` (their names, comma-separated) and `{format}` (the action format's instructions) are filled in, `{{` and `}}` write literal braces, and any other `{…}` is an error.", WhenAbsent: TaskDefault),
            new Field("limits", Limits, "Turn, action-length, tool-timeout and tool-call limits.", WhenAbsent: "the task's defaults"),
            new Field("memory", Memory, "The memory mode and tokenizer.", WhenAbsent: "full, o200k"),
            new Field("rewards", rewards, "Process and outcome reward components and how they combine.", WhenAbsent: "the task's rewards"),
            new Field("policy", Policy, "The default policy for `gym run` (a command-line `--policy` overrides it).", WhenAbsent: "the command's default"),
            new Field("seed", new ScalarSchema { Kind = ScalarKind.Long }, "The base seed for `gym run` (a command-line `--seed` overrides it).", WhenAbsent: "the command's default"),
            new Field("episodes", Int(1), "The default episode count for `gym run` (a command-line `--episodes` overrides it).", WhenAbsent: "the command's default"),
        ],
        b => new ScenarioSpec(
            b.Get<string>("id"),
            b.Get<string>("description"),
            b.Get<TaskSpec>("task"),
            b.List<OperatorSpec>("operators"),
            b.OptionalList<string>("tools"),
            b.Optional<ActionFormat>("action_format"),
            b.Get<LimitsSpec?>("limits") ?? LimitsSpec.None,
            b.Get<ScenarioMemorySpec?>("memory") ?? ScenarioMemorySpec.Default,
            b.Get<RewardSpec?>("rewards"),
            b.Get<ScenarioPolicySpec?>("policy"),
            b.Optional<long>("seed"),
            b.Optional<int>("episodes"))
        {
            SystemPrompt = b.Get<string?>("system_prompt"),
        });

    // top_p lies in (0, 1]: the schema's bounds are both inclusive or both exclusive, so 0 is refused here.
    private static void CheckOpenAiPolicy(ObjectCheck check)
    {
        if (check.Values.TryGetValue("top_p", out var topP) && topP is 0.0 && check.Node.Find("top_p") is { } entry)
        {
            check.Error(entry.Value, $"{check.Path}.top_p is 0; it must be above 0", "1 keeps every token; 0.9 samples among the most likely tokens that make up 90% of the probability");
        }
    }

    /// <summary>
    /// The scenario language of <paramref name="registry"/>: the operators and reward component kinds
    /// its modules registered join the language's own. Without a registry, the core language.
    /// </summary>
    internal static ObjectSchema RootFor(EnvironmentRegistry? registry)
    {
        registry ??= CoreRegistry;
        lock (Languages)
        {
            // A registry may gain modules after a first load; the language follows it.
            if (Languages.TryGetValue(registry, out var cached) && cached.Operators == registry.Operators.Kinds.Count && cached.Components == registry.Rewards.Kinds.Count)
            {
                return cached.Root;
            }

            var root = RootSchema(OperatorUnion(registry.Operators.Kinds), RewardsSchema(ComponentSchema([.. registry.Rewards.Kinds.Select(k => k.Kind)])));
            Languages.AddOrUpdate(registry, new Language(registry.Operators.Kinds.Count, registry.Rewards.Kinds.Count, root));
            return root;
        }
    }

    private static readonly EnvironmentRegistry CoreRegistry = new();
    private static readonly ConditionalWeakTable<EnvironmentRegistry, Language> Languages = [];

    private sealed record Language(int Operators, int Components, ObjectSchema Root);

    /// <summary>The JSON Schema (draft 2020-12) for scenario files of <paramref name="registry"/>'s modules, as committed in docs/scenario.schema.json.</summary>
    public static string ToJsonSchema(EnvironmentRegistry? registry = null) => JsonSchemaWriter.Write(RootFor(registry));

    /// <summary>The component-kind table of docs/rewards.md: every kind <paramref name="registry"/>'s modules registered.</summary>
    public static string ToComponentTable(EnvironmentRegistry registry) => RegistryTables.Components(registry);

    /// <summary>The state-key table of docs/rewards.md: the core keys and those of every registered provider.</summary>
    public static string ToStateKeyTable(EnvironmentRegistry registry) => RegistryTables.StateKeys(registry);

    /// <summary>The key tables of docs/scenarios.md for <paramref name="registry"/>'s modules, one section per mapping type.</summary>
    public static string ToMarkdown(EnvironmentRegistry? registry = null) => MarkdownWriter.Write(RootFor(registry));

    private static void CheckComponent(ObjectCheck check)
    {
        if (!check.Values.TryGetValue("kind", out var value) || value is not string kind)
        {
            return;
        }

        var parameters = check.Values.TryGetValue("params", out var map) ? (IReadOnlyDictionary<string, string>)map! : new Dictionary<string, string>(StringComparer.Ordinal);
        var name = check.Values.TryGetValue("name", out var given) ? (string)given! : kind;
        try
        {
            (check.Registry?.Rewards ?? RewardComponentRegistry.Core).Validate(kind, name, parameters);
        }
        catch (RewardSpecException ex)
        {
            ReportAt(check, ex);
        }

        if (kind != "rubric" && check.Node.Find("judge") is { } judge)
        {
            check.Error(judge.Key, $"'judge' in {check.Path} applies to rubric components only", "move it to a component of kind rubric");
        }

        if (kind == "rubric" && check.Node.Find("judge") is null && check.Values.TryGetValue("criteria", out var criteria)
            && ((IEnumerable<object?>)criteria!).OfType<CriterionSpec>().FirstOrDefault(c => c.Rule == CriterionRuleKind.Judge) is { } judged)
        {
            check.Error(check.Node, $"criterion '{judged.Name}' of {check.Path} asks an LLM judge, but the rubric has no 'judge' endpoint", "add judge: {base_url: …, model: …}");
        }
    }

    private static void CheckCombinator(ObjectCheck check)
    {
        if (!check.Values.TryGetValue("kind", out var value) || value is not string kind)
        {
            return;
        }

        var parameters = check.Values.TryGetValue("params", out var map) ? (IReadOnlyDictionary<string, string>)map! : new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = (check.Values.TryGetValue("of", out var of) ? ((IEnumerable<object?>)of!).Count() : 0)
                     + (check.Values.TryGetValue("children", out var children) ? ((IEnumerable<object?>)children!).Count() : 0);
        try
        {
            // Inputs are checked by count only here; which components exist is the rewards section's check.
            RewardCombinatorCatalog.Create(kind, parameters, [.. Enumerable.Range(0, inputs).Select(_ => (RewardCombinator)new WeightedSumCombinator([], []))], [], check.Registry?.StateKeys);
        }
        catch (RewardSpecException ex)
        {
            ReportAt(check, ex);
        }
    }

    private static void CheckRewards(ObjectCheck check)
    {
        var components = new List<RewardComponentSpec>();
        foreach (var list in new[] { "process", "outcome" })
        {
            if (check.Values.TryGetValue(list, out var items))
            {
                components.AddRange(((IEnumerable<object?>)items!).OfType<RewardComponentSpec>());
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var duplicate in components.Where(c => !names.Add(c.EffectiveName)).Select(c => c.EffectiveName).Distinct())
        {
            check.Error(check.Node, $"two reward components in {check.Path} are named '{duplicate}'", "give one of them a different 'name'");
        }

        if (!check.Values.TryGetValue("combine", out var combine) || combine is not CombinatorSpec { IsDefault: false } tree)
        {
            return;
        }

        var at = check.Node.Find("combine")!.Value;
        var used = Used(tree).ToHashSet(StringComparer.Ordinal);
        foreach (var unknown in used.Where(n => !names.Contains(n)).Order(StringComparer.Ordinal))
        {
            var nearest = Validator.Nearest(unknown, names);
            check.Error(at, $"the combinator tree in {check.Path} reads component '{unknown}', which is not declared", nearest is null ? $"declared: {string.Join(", ", names)}" : $"did you mean '{nearest}'?");
        }

        foreach (var unused in components.Where(c => c.Weight != 0 && !used.Contains(c.EffectiveName)).DistinctBy(c => c.EffectiveName))
        {
            check.Error(at, $"component '{unused.EffectiveName}' has weight {ScalarSchema.Format(unused.Weight)} but the combinator tree in {check.Path} does not read it", "add it to a combinator's 'of', or give it weight 0 to keep it as a metric");
        }

        static IEnumerable<string> Used(CombinatorSpec node) => node.Of.Concat(node.Children.SelectMany(Used));
    }

    private static void ReportAt(ObjectCheck check, RewardSpecException ex)
    {
        SourceNode at = check.Node;
        if (ex.Parameter is { } parameter && check.Node.Find("params")?.Value is MappingNode parameters)
        {
            at = (SourceNode?)parameters.Entries.FirstOrDefault(e => e.Key.Value == parameter)?.Value ?? parameters;
        }

        check.Error(at, $"{check.Path}: {ex.Message}", ex.Parameter is null ? null : "docs/rewards.md lists each kind's parameters");
    }

    private static void ResolvePaths(ObjectCheck check, EnvironmentDescriptor descriptor, MappingNode parameters)
    {
        // File parameters are written relative to the file that names them (as `dataset` is), and must exist.
        if (descriptor.PathParameters.Count == 0 || !check.Values.TryGetValue("params", out var bound) || bound is not IReadOnlyDictionary<string, string> values)
        {
            return;
        }

        var resolved = new Dictionary<string, string>(values, StringComparer.Ordinal);
        foreach (var entry in parameters.Entries.Where(e => descriptor.PathParameters.Contains(e.Key.Value) && e.Value is ScalarNode))
        {
            var node = (ScalarNode)entry.Value;
            var full = node.Mark.File.Resolve(node.Value);
            if (!File.Exists(full))
            {
                check.Error(node, $"file {NodeText.Quote(node.Value)} for parameter '{entry.Key.Value}' of {descriptor.Id} not found", $"paths are relative to {node.Mark.File.Directory}");
                continue;
            }

            resolved[entry.Key.Value] = full;
        }

        check.Replace("params", resolved);
    }

    private static void CheckFaultRates(ObjectCheck check)
    {
        // One draw per call picks at most one fault, so the three rates share one unit interval.
        var total = FaultRates.Sum(key => check.Values.TryGetValue(key, out var rate) ? (double)rate! : 0);
        if (total > 1 + 1e-12)
        {
            check.Error(check.Node, $"the fault rates of {check.Path} add up to {ScalarSchema.Format(total)}", "error_rate + timeout_rate + latency_rate must be at most 1");
        }
    }

    private static void CheckDataset(ObjectCheck check)
    {
        if (check.Registry is not { } registry || !check.Values.TryGetValue("dataset", out var value) || value is not string path)
        {
            return;
        }

        if (check.Values.TryGetValue("format", out var given) && given is string format)
        {
            if (registry.DatasetFormats.Named(format) is null && check.Node.Find("format") is { } at)
            {
                var names = registry.DatasetFormats.All.Select(f => f.Name).ToList();
                var nearest = Validator.Nearest(format, names);
                check.Error(at.Value, $"unknown dataset format {NodeText.Quote(format)} for {NodeText.Child(check.Path, "format")}", nearest is null ? $"known: {string.Join(", ", names)}" : $"did you mean '{nearest}'?");
            }

            return;
        }

        if (registry.DatasetFormats.ForPath(path) is not null || check.Node.Find("dataset") is not { } entry)
        {
            return;
        }

        check.Error(entry.Value, $"no dataset format reads {NodeText.Quote(Path.GetExtension(path))} files for {NodeText.Child(check.Path, "dataset")}", $"known: {registry.DatasetFormats.Known} (gym list shows the modules)");
    }

    private static void CheckEnvironment(ObjectCheck check)
    {
        if (check.Registry is not { } registry || !check.Values.TryGetValue("environment", out var value) || value is not string id)
        {
            return;
        }

        var idNode = check.Node.Find("environment")!.Value;
        var descriptor = registry.All.FirstOrDefault(d => d.Id == id);
        if (descriptor is null)
        {
            var nearest = Validator.Nearest(id, registry.All.Select(d => d.Id));
            check.Error(idNode, $"unknown environment {NodeText.Quote(id)} for {NodeText.Child(check.Path, "environment")}", nearest is null ? "gym list shows the registered environments" : $"did you mean '{nearest}'? (gym list shows all)");
            return;
        }

        if (check.Node.Find("params")?.Value is MappingNode parameters)
        {
            foreach (var entry in parameters.Entries.Where(e => !descriptor.Parameters.ContainsKey(e.Key.Value)))
            {
                var nearest = Validator.Nearest(entry.Key.Value, descriptor.Parameters.Keys);
                check.Error(entry.Key, $"unknown parameter {NodeText.Quote(entry.Key.Value)} for {id} in {NodeText.Child(check.Path, "params")}", nearest is null ? $"known parameters: {string.Join(", ", descriptor.Parameters.Keys)}" : $"did you mean '{nearest}'?");
            }

            ResolvePaths(check, descriptor, parameters);
        }
    }
}
