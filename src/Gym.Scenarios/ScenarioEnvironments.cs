using System.Globalization;
using Gym.Core;
using Gym.Core.Composition;
using Gym.Core.Context;
using Gym.Core.Datasets;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;
using Gym.Core.Rewards.Judging;
using Gym.Core.Rewards.Rubrics;
using Gym.Core.Tools;

namespace Gym.Scenarios;

/// <summary>A scenario that loaded but cannot be turned into a runnable task; the message names the file.</summary>
public sealed class ScenarioBuildException(string message) : Exception(message), IUserError;

/// <summary>A scenario file that did not load; <see cref="Exception.Message"/> lists every error, one per line.</summary>
public sealed class ScenarioLoadException(IReadOnlyList<ScenarioError> errors, int omitted = 0)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.ToString()).Concat(omitted > 0 ? [ScenarioLoadResult.DescribeOmitted(omitted)] : [])))
{
    /// <summary>The errors, with file, line and column (at most <see cref="ScenarioLimits.MaxErrors"/>).</summary>
    public IReadOnlyList<ScenarioError> Errors { get; } = errors;

    /// <summary>Errors found past the cap and left out of <see cref="Errors"/>.</summary>
    public int Omitted { get; } = omitted;

    /// <summary>Every line to show: the errors, then "… and N more errors" when some were left out.</summary>
    public IEnumerable<string> Lines => Errors.Select(e => e.ToString()).Concat(Omitted > 0 ? [ScenarioLoadResult.DescribeOmitted(Omitted)] : []);
}

/// <summary>A scenario ready to run: registered under its id, with the run settings it asks for.</summary>
/// <param name="Spec">The validated scenario.</param>
/// <param name="Path">The scenario file.</param>
/// <param name="Descriptor">The registered descriptor (id = the scenario id).</param>
/// <remarks>
/// The scenario owns what it built once and shares with every environment it makes: its reward
/// program (with a rubric's LLM judge, its HTTP client and its reply cache file) and the datasets it
/// read. Dispose it when no environment made from it is in use any more (after the run, on server
/// shutdown): that closes the judge's connections and flushes and closes the cache file. The
/// environments it makes are their creators' to dispose. Once disposed, its descriptor makes no more
/// environments (<see cref="ObjectDisposedException"/>). Disposing twice is safe.
/// </remarks>
public sealed record BuiltScenario(ScenarioSpec Spec, string Path, EnvironmentDescriptor Descriptor) : IDisposable
{
    /// <summary>What the scenario built and owns; null for a scenario built elsewhere.</summary>
    internal IDisposable? Owned { get; init; }

    /// <summary>Disposes the reward program (and its judge) and drops the datasets; later calls do nothing.</summary>
    public void Dispose() => Owned?.Dispose();

    /// <summary>What the agent sees each turn.</summary>
    public MemorySpec Memory => Spec.Memory.Mode == MemoryMode.Window
        ? MemorySpec.ForWindow(Spec.Memory.Window ?? 1)
        : new MemorySpec(Spec.Memory.Mode);

    /// <summary>The tokenizer name or file for context token counts.</summary>
    public string Tokenizer => Spec.Memory.Tokenizer.Kind switch
    {
        TokenizerKind.Cl100k => "cl100k",
        TokenizerKind.File => Spec.Memory.Tokenizer.Path!,
        _ => TokenCounters.DefaultName,
    };

    /// <summary>The curriculum operator, if the scenario has one (it schedules episodes, so the runtime applies it).</summary>
    public CurriculumSpec? Curriculum => Spec.Operators.OfType<CurriculumSpec>().FirstOrDefault();
}

/// <summary>
/// Turns validated scenarios into runnable environments: the base task from the registry, the
/// operators applied innermost-first, then the scenario's limits, action format, tools and reward
/// weights. The result is registered under the scenario's id, so everything that takes an
/// environment id (the runtime, <c>gym run</c>, <c>gym check</c>, the vector gym) takes a scenario.
/// </summary>
public static class ScenarioEnvironments
{
    /// <summary>The parameter a curriculum may set to change a multi-objective scenario's K.</summary>
    public const string ObjectivesParameter = "k";

    /// <summary>Loads, validates, builds and registers a scenario file; throws <see cref="ScenarioLoadException"/> or <see cref="ScenarioBuildException"/>.</summary>
    /// <remarks>The load works within <see cref="ScenarioLimits.FromEnvironment"/>.</remarks>
    public static BuiltScenario Load(string path, EnvironmentRegistry registry) => Load(path, registry, CancellationToken.None);

    /// <summary>
    /// Loads, validates, builds and registers a scenario file within <see cref="ScenarioLimits.FromEnvironment"/>;
    /// throws <see cref="ScenarioLoadException"/> or <see cref="ScenarioBuildException"/>, or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> stops the read.
    /// </summary>
    public static BuiltScenario Load(string path, EnvironmentRegistry registry, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var result = ScenarioLoader.Load(path, registry, ScenarioLimits.FromEnvironment(), cancellation);
        if (result.Errors.Count > 0 || result.Spec is null)
        {
            throw new ScenarioLoadException(result.Errors, result.Omitted);
        }

        return Register(result.Spec, path, registry, result.Locations);
    }

    /// <summary>Builds a validated scenario and registers it in <paramref name="registry"/>.</summary>
    public static BuiltScenario Register(ScenarioSpec spec, string path, EnvironmentRegistry registry) => Register(spec, path, registry, ScenarioLoadResult.NoLocations);

    /// <summary>
    /// Builds a validated scenario and registers it in <paramref name="registry"/>; problems found in the build
    /// (a tool the task lacks, an operator out of place) are located through <paramref name="locations"/>.
    /// </summary>
    public static BuiltScenario Register(ScenarioSpec spec, string path, EnvironmentRegistry registry, IReadOnlyDictionary<string, ScenarioLocation> locations)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(locations);
        var builder = new Builder(spec, path, registry, locations);
        try
        {
            // Build once and draw one task now, so a scenario that cannot run fails before any episode starts.
            builder.Probe();
            var descriptor = new EnvironmentDescriptor(
                spec.Id,
                spec.Description.Length > 0 ? spec.Description : $"scenario {System.IO.Path.GetFileName(path)}",
                builder.ParameterHelp,
                parameters => builder.Create(parameters),
                (parameters, expert) => builder.CreateExpert(parameters, expert));
            registry.RegisterScenario(descriptor);
            return new BuiltScenario(spec, path, descriptor) { Owned = builder };
        }
        catch
        {
            // A scenario that fails to build releases what it built so far (a judge's connections, its cache file).
            builder.Dispose();
            throw;
        }
    }

    private sealed class Builder(ScenarioSpec spec, string path, EnvironmentRegistry registry, IReadOnlyDictionary<string, ScenarioLocation> locations) : IDisposable
    {
        private readonly Dictionary<string, IReadOnlyList<QaItem>> _datasets = new(StringComparer.Ordinal);
        private RewardProgram? _program;
        private bool _disposed;

        public void Dispose()
        {
            RewardProgram? program;
            lock (_datasets)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                program = _program;
                _program = null;
                _datasets.Clear();
            }

            program?.Dispose();
        }

        private void ThrowIfDisposed()
        {
            lock (_datasets)
            {
                if (_disposed)
                {
                    throw new ObjectDisposedException(nameof(BuiltScenario), $"{path}: scenario {spec.Id} has been disposed; load it again to make environments");
                }
            }
        }

        public IReadOnlyDictionary<string, string> ParameterHelp
        {
            get
            {
                var help = spec.Task is EnvironmentTaskSpec task
                    ? new SortedDictionary<string, string>(registry.Get(task.Environment).Parameters.ToDictionary(), StringComparer.Ordinal)
                    : new SortedDictionary<string, string>(StringComparer.Ordinal);
                if (spec.Operators.OfType<MultiObjectiveSpec>().Any())
                {
                    help[ObjectivesParameter] = "objectives per episode (overrides the multi-objective operator's k)";
                }

                return help;
            }
        }

        public IEnvironment Create(EnvironmentParameters parameters)
        {
            var (core, distractors) = Build(parameters);
            if (distractors is null)
            {
                return core;
            }

            try
            {
                return Compose.WithDistractors(core, distractors.Rate, distractors.Texts, distractors.Misleading, id: spec.Id);
            }
            catch
            {
                core.Dispose();
                throw;
            }
        }

        public void Probe()
        {
            Create(EnvironmentParameters.None).Dispose();
            using var core = Build(EnvironmentParameters.None).Core;
            ((ITaskSource)core).CreateTask(0);
        }

        // The expert keeps its environment only to draw tasks from; that environment holds nothing of its own.
        public PlanExpert CreateExpert(EnvironmentParameters parameters, ExpertSettings settings) => new PlanExpert(Build(parameters).Core, settings);

        private (TaskSourceEnvironment Core, WithDistractorsSpec? Distractors) Build(EnvironmentParameters parameters)
        {
            ThrowIfDisposed();
            var given = parameters.Keys.ToDictionary(k => k, k => parameters.GetString(k, ""), StringComparer.Ordinal);
            int? objectives = null;
            if (given.Remove(ObjectivesParameter, out var kText))
            {
                objectives = int.TryParse(kText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) && k is >= 1 and <= 64
                    ? k
                    : throw new EnvironmentParameterException($"parameter '{ObjectivesParameter}' must be a whole number between 1 and 64 (got '{kText}')");
            }

            var source = Source(spec.Task, given);
            try
            {
                var context = new OperatorContext(spec.Id, objectives, t => Source(t, new Dictionary<string, string>()));
                WithDistractorsSpec? distractors = null;
                for (var i = 0; i < spec.Operators.Count; i++)
                {
                    var op = spec.Operators[i];
                    if (distractors is not null && op is not CurriculumSpec)
                    {
                        throw Fail($"'with-distractors' must be the last operator: it changes observations, so '{op.Kind}' cannot wrap it", $"operators[{i}]");
                    }

                    source = op.Apply(source, context);
                    distractors ??= op as WithDistractorsSpec;
                }

                if (objectives is not null && !spec.Operators.OfType<MultiObjectiveSpec>().Any())
                {
                    throw new EnvironmentParameterException($"parameter '{ObjectivesParameter}' needs a multi-objective operator in {spec.Id}");
                }

                if (spec.Tools is { } tools)
                {
                    source = new ToolSubset(source, tools, index => At($"tools[{index}]"));
                }

                return (new TaskSourceEnvironment(spec.Id, source, Settings(source.Settings)), distractors);
            }
            catch
            {
                // The environments built so far hold nothing shared; release them like any other.
                (source as IDisposable)?.Dispose();
                throw;
            }
        }

        private ITaskSource Source(TaskSpec task, IReadOnlyDictionary<string, string> overrides) => task switch
        {
            EnvironmentTaskSpec environment => AsTaskSource(registry.Make(environment.Environment, new EnvironmentParameters(Merge(environment.Params, overrides))), environment.Environment),
            DatasetTaskSpec dataset => new QaDatasetEnvironment(spec.Id, LoadDataset(dataset.Path, dataset.Format), position: new DatasetPosition(OrderOf(dataset, overrides), new EnvironmentParameters(overrides).RunSeed)),
            _ => throw Fail($"unsupported task kind {task.GetType().Name}"),
        };

        /// <summary>The scenario's order, unless a run parameter <c>order</c> overrides it (as <c>gym run --episodes all</c> does).</summary>
        private DatasetOrder OrderOf(DatasetTaskSpec dataset, IReadOnlyDictionary<string, string> overrides) =>
            !overrides.TryGetValue("order", out var text) ? dataset.Order
            : DatasetPosition.Parse(text) ?? throw Fail($"parameter 'order' must be sample, sequential or shuffled (got '{text}')", "task.order");

        private ITaskSource AsTaskSource(IEnvironment made, string id)
        {
            if (made is ITaskSource source)
            {
                return source;
            }

            made.Dispose();
            throw Fail($"environment '{id}' is not a tool environment, so scenario operators and limits cannot apply to it", "task.environment");
        }

        private IReadOnlyList<QaItem> LoadDataset(string file, string? format)
        {
            // Read once per scenario: environments are built per episode.
            lock (_datasets)
            {
                var key = $"{format}|{file}";
                if (!_datasets.TryGetValue(key, out var items))
                {
                    try
                    {
                        items = registry.DatasetFormats.Load(file, format);
                    }
                    catch (QaDatasetException ex)
                    {
                        throw Fail(ex.Message);
                    }

                    _datasets[key] = items;
                }

                return items;
            }
        }

        private ToolEnvironmentSettings Settings(ToolEnvironmentSettings task)
        {
            var limits = spec.Limits;
            var settings = task with
            {
                MaxTurns = limits.MaxTurns ?? task.MaxTurns,
                MaxActionChars = limits.MaxActionChars ?? task.MaxActionChars,
                ToolTimeout = limits.ToolTimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : task.ToolTimeout,
                MaxToolCallsPerTurn = limits.MaxToolCallsPerTurn ?? task.MaxToolCallsPerTurn,
                Format = spec.ActionFormat ?? task.Format,
                TurnsLeftHint = limits.TurnsLeftHint ?? task.TurnsLeftHint,
                SystemPrompt = spec.SystemPrompt ?? task.SystemPrompt,
            };
            return spec.Rewards is null ? settings : Weighted(settings, spec.Rewards);
        }

        private ToolEnvironmentSettings Weighted(ToolEnvironmentSettings settings, RewardSpec rewards)
        {
            // One program per scenario: components are stateless and judges share their client and cache.
            RewardProgram program;
            lock (_datasets)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                program = _program ??= BuildProgram(rewards);
            }

            return settings with { Rewards = program };
        }

        private RewardProgram BuildProgram(RewardSpec rewards)
        {
            var components = new List<IRewardComponent>();
            foreach (var (list, kind, key) in new[] { (rewards.Process, RewardKind.Process, "process"), (rewards.Outcome, RewardKind.Outcome, "outcome") })
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var component = list[i];
                    try
                    {
                        var rubric = component.Kind == "rubric" ? BuildRubric(component) : null;
                        components.Add(registry.Rewards.Create(new ComponentDefinition(component.Kind, component.EffectiveName, component.Weight, kind, component.Params, rubric)));
                    }
                    catch (Exception ex) when (ex is RewardSpecException or ArgumentException)
                    {
                        DisposeAll(components);
                        throw Fail($"reward component '{component.EffectiveName}': {ex.Message}", $"rewards.{key}[{i}]");
                    }
                }
            }

            try
            {
                return new RewardProgram(components, rewards.Combine.IsDefault ? null : Combinator(rewards.Combine));
            }
            catch (Exception ex) when (ex is RewardSpecException or ArgumentException)
            {
                DisposeAll(components);
                throw Fail(ex.Message, "rewards.combine");
            }
        }

        private static void DisposeAll(IEnumerable<IRewardComponent> components)
        {
            foreach (var component in components)
            {
                (component as IDisposable)?.Dispose();
            }
        }

        private RewardCombinator Combinator(CombinatorSpec spec) =>
            RewardCombinatorCatalog.Create(spec.Kind, spec.Params, [.. spec.Children.Select(Combinator)], spec.Of, registry.StateKeys);

        private Rubric BuildRubric(RewardComponentSpec component)
        {
            LlmJudge? judge = null;
            if (component.Judge is { } endpoint)
            {
                var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
                var cache = new JudgeCache(endpoint.Cache is { } file ? System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, file)) : null);
                JudgeClient? client = null;
                try
                {
                    // The judge owns its client, the client its cache; the rubric owns the judge.
                    client = new JudgeClient(
                        new JudgeEndpoint(new Uri(endpoint.BaseUrl), endpoint.Model, endpoint.ApiKeyEnv)
                        {
                            Timeout = TimeSpan.FromMilliseconds(endpoint.TimeoutMs),
                            MaxRetries = endpoint.Retries,
                            MaxTokens = endpoint.MaxTokens,
                        },
                        cache,
                        ownsCache: true);
                    judge = new LlmJudge(client, endpoint.FailureValue);
                }
                catch
                {
                    if (client is null)
                    {
                        cache.Dispose();
                    }
                    else
                    {
                        client.Dispose();
                    }

                    throw;
                }
            }

            try
            {
                return new Rubric([.. component.Criteria.Select(c => new RubricCriterion(c.Name, Rule(c, judge), c.Weight, c.Hard))]);
            }
            catch
            {
                judge?.Dispose();
                throw;
            }
        }

        private static RubricRule Rule(CriterionSpec criterion, LlmJudge? judge) => criterion.Rule switch
        {
            CriterionRuleKind.Regex => new RegexRule(criterion.Text, criterion.IgnoreCase),
            CriterionRuleKind.Contains => new ContainsRule(criterion.Text, criterion.IgnoreCase),
            CriterionRuleKind.JsonPath => new JsonPathRule(criterion.Text, criterion.Operator, criterion.Value),
            CriterionRuleKind.Range => new NumericRangeRule(criterion.Min, criterion.Max),
            _ => new JudgeRule(
                judge ?? throw new ArgumentException($"criterion '{criterion.Name}' needs the rubric's 'judge' endpoint"),
                criterion.Protocol == "pairwise" ? JudgeProtocol.Pairwise : JudgeProtocol.Pointwise,
                criterion.Text),
        };

        private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> first, IReadOnlyDictionary<string, string> second)
        {
            var merged = new Dictionary<string, string>(first, StringComparer.Ordinal);
            foreach (var (key, value) in second)
            {
                merged[key] = value;
            }

            return merged;
        }

        private ScenarioBuildException Fail(string message) => new($"{path}: error: {message}");

        private ScenarioBuildException Fail(string message, string yamlPath) => new($"{At(yamlPath)}: error: {message}");

        /// <summary><c>file:line:column</c> of the value at <paramref name="yamlPath"/>; the scenario path alone when the spec came without locations.</summary>
        private string At(string yamlPath) => locations.TryGetValue(yamlPath, out var location) ? location.ToString() : path;
    }

    /// <summary>Offers only the tools a scenario lists; a listed tool the task lacks is an error. Owns the source it filters.</summary>
    private sealed class ToolSubset(ITaskSource inner, IReadOnlyList<string> names, Func<int, string> locate) : ITaskSource, IDisposable
    {
        public ToolEnvironmentSettings Settings => inner.Settings;

        public void Dispose() => (inner as IDisposable)?.Dispose();

        public EpisodeTask CreateTask(long seed) => new Filtered(inner.CreateTask(seed), names, locate);

        private sealed class Filtered : EpisodeTask
        {
            private readonly EpisodeTask _task;

            public Filtered(EpisodeTask task, IReadOnlyList<string> names, Func<int, string> locate)
            {
                _task = task;
                var available = task.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
                var missing = names.Select((name, index) => (name, index)).FirstOrDefault(n => !available.Contains(n.name));
                if (missing.name is not null)
                {
                    var nearest = Suggestions.Nearest(missing.name, available);
                    var hint = nearest is null ? "" : $"did you mean '{nearest}'? ";
                    throw new ScenarioBuildException($"{locate(missing.index)}: error: tool '{missing.name}' is not offered by this task; {hint}available: {string.Join(", ", available.Order(StringComparer.Ordinal))}");
                }

                Tools = [.. task.Tools.Where(t => names.Contains(t.Name))];
            }

            public override string Prompt => _task.Prompt;

            public override IReadOnlyList<ITool> Tools { get; }

            public override StepInfo Info => _task.Info;

            public override ExpertPlan? Plan => _task.Plan;

            public override TaskReference Reference => _task.Reference;

            public override AnswerScore ScoreAnswer(string answer) => _task.ScoreAnswer(answer);

            public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => _task.NoAnswerOutcome();
        }
    }
}
