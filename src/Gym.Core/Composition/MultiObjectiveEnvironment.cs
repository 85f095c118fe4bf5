using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;

namespace Gym.Core.Composition;

/// <summary>The knobs of <see cref="MultiObjectiveEnvironment"/>.</summary>
/// <param name="Objectives">K, the number of questions packed into one episode (1–1024).</param>
/// <param name="Aggregate">Whether outcome scores are summed (MEM1) or averaged.</param>
/// <param name="Separator">What separates the K answers inside the one <c>&lt;answer&gt;</c>; parsing splits on its trimmed form.</param>
/// <param name="MaxTurns">The turn limit; default the sum of the objectives' planned calls + K + 2.</param>
/// <param name="Settings">Format, weights and timeouts; default the source's. <paramref name="MaxTurns"/> overrides its turn limit.</param>
public sealed record MultiObjectiveOptions(
    int Objectives,
    ObjectiveAggregate Aggregate = ObjectiveAggregate.Sum,
    string Separator = "; ",
    int? MaxTurns = null,
    ToolEnvironmentSettings? Settings = null)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range value.</summary>
    public void Validate()
    {
        if (Objectives is < 1 or > 1024)
        {
            throw new ArgumentException($"the number of objectives must be between 1 and 1024 (got {Objectives})");
        }

        if (string.IsNullOrEmpty(Separator))
        {
            throw new ArgumentException("the answer separator must not be empty");
        }

        if (MaxTurns is < 1)
        {
            throw new ArgumentException($"max turns must be at least 1 (got {MaxTurns})");
        }
    }
}

/// <summary>
/// K objectives packed into one episode, MEM1 style (<c>multi-objective</c>). Objective j's task is
/// made from <c>Derive(seed, "objective", j)</c>; the prompts are joined into one
/// (<c>Question 1: …; Question 2: …</c>), the tools are their union, and one
/// <c>&lt;answer&gt;a1; a2; …; aK&lt;/answer&gt;</c> ends the episode. Each answer is scored by its
/// objective; components are renamed <c>objective{j+1}.{name}</c> with weight 1 (sum) or 1/K (mean), so
/// they add up to the outcome. A missing answer scores 0 and <c>info.answer_format</c> says what was
/// wrong; <c>info.objectives_correct</c> counts the solved objectives and <c>info.is_success</c> is true
/// iff all are. Objectives must be single-answer tasks.
/// </summary>
public sealed class MultiObjectiveEnvironment : ToolEnvironment
{
    /// <summary>The info key counting correctly answered objectives.</summary>
    public const string ObjectivesCorrectInfo = "objectives_correct";

    /// <summary>The info key explaining a wrong number of answers.</summary>
    public const string AnswerFormatInfo = "answer_format";

    /// <summary>Creates the environment.</summary>
    /// <param name="id">The environment id recorded in trajectories.</param>
    /// <param name="source">Where each objective's task comes from; owned (disposed with this environment).</param>
    /// <param name="options">K, aggregation, separator and limits.</param>
    public MultiObjectiveEnvironment(string id, ITaskSource source, MultiObjectiveOptions options)
        : base(id, Resolve(source, options))
    {
        Source = source;
        Options = options;
    }

    /// <summary>Where each objective's task comes from.</summary>
    public ITaskSource Source { get; }

    /// <summary>K, aggregation, separator and limits.</summary>
    public MultiObjectiveOptions Options { get; }

    /// <summary>The outcome-component prefix of objective <paramref name="index"/> (0-based): <c>objective1</c>, ….</summary>
    public static string ObjectivePrefix(int index) => ObjectiveAnswers.Prefix(index);

    /// <summary>The default turn limit: the objectives' planned calls (for seed 0; the source's turn limit when a task has no plan) + K + 2.</summary>
    public static int DefaultMaxTurns(ITaskSource source, int objectives)
    {
        ArgumentNullException.ThrowIfNull(source);
        var calls = 0;
        for (var j = 0; j < objectives; j++)
        {
            // Plan lengths are assumed not to depend on the seed (true of the arithmetic family); pass MaxTurns when they do.
            var plan = source.CreateTask(SeededRandom.Derive(0, "objective", j)).Plan;
            calls += plan is null ? source.Settings.MaxTurns : plan.Calls.Count;
        }

        return calls + objectives + 2;
    }

    /// <summary>Splits a joined answer into its parts: on the separator's trimmed form (or the separator itself when that is blank), each part trimmed, trailing empty parts dropped.</summary>
    public static IReadOnlyList<string> SplitAnswers(string answer, string separator) => ObjectiveAnswers.Split(answer, separator);

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) =>
        new MultiObjectiveTask([.. Enumerable.Range(0, Options.Objectives).Select(j => Source.CreateTask(SeededRandom.Derive(seed, "objective", j)))], Options);

    /// <summary>Disposes the source this environment owns, when it is disposable.</summary>
    /// <param name="disposing">True when called from <see cref="ToolEnvironment.Dispose()"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeOwned(Source);
        }

        base.Dispose(disposing);
    }

    private static ToolEnvironmentSettings Resolve(ITaskSource source, MultiObjectiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var resolved = options.Settings ?? source.Settings;
        return resolved with { MaxTurns = options.MaxTurns ?? (options.Settings is null ? DefaultMaxTurns(source, options.Objectives) : resolved.MaxTurns) };
    }

    private sealed class MultiObjectiveTask : EpisodeTask
    {
        private readonly IReadOnlyList<EpisodeTask> _objectives;
        private readonly MultiObjectiveOptions _options;
        private readonly double _scale;

        public MultiObjectiveTask(IReadOnlyList<EpisodeTask> objectives, MultiObjectiveOptions options)
        {
            if (objectives.Any(o => o.Plan is { Stages.Count: > 1 }))
            {
                throw new InvalidOperationException("multi-objective needs single-answer objectives; a multi-stage task (a sequence) cannot be one of them");
            }

            _objectives = objectives;
            _options = options;
            _scale = options.Aggregate == ObjectiveAggregate.Mean ? 1.0 / objectives.Count : 1.0;
            Tools = TaskComposition.UnionTools(objectives, "objectives");
            var sep = options.Separator;
            var questions = objectives.Select((o, j) => $"Question {j + 1}: {TrimPeriod(o.Prompt)}");
            Prompt = $"Answer all {objectives.Count} questions. {string.Join("; ", questions)}.\n" +
                     $"Give every answer, in order, in one <answer> block, separated by \"{sep}\": " +
                     $"<answer>{string.Join(sep, Enumerable.Range(1, Math.Min(objectives.Count, 3)).Select(j => $"answer {j}"))}{(objectives.Count > 3 ? $"{sep}…" : "")}</answer>.";
        }

        public override string Prompt { get; }

        public override IReadOnlyList<ITool> Tools { get; }

        public override StepInfo Info
        {
            get
            {
                var info = StepInfo.Empty.With("objectives", _objectives.Count).With("aggregate", _options.Aggregate.ToString().ToLowerInvariant());
                for (var j = 0; j < _objectives.Count; j++)
                {
                    info = info.Merge(_objectives[j].Info, ObjectivePrefix(j) + ".");
                }

                return info;
            }
        }

        public override ExpertPlan? Plan
        {
            get
            {
                var plans = _objectives.Select(o => o.Plan).ToList();
                if (plans.Any(p => p is null))
                {
                    return null;
                }

                return new ExpertPlan([.. plans.SelectMany(p => p!.Calls)], string.Join(_options.Separator, plans.Select(p => p!.Answer)));
            }
        }

        public override TaskReference Reference
        {
            get
            {
                var stages = _objectives.Select(o => o.Reference.Stage(0)).ToList();
                return new([new StageReference(
                    [.. stages.Select(s => s.Objectives.Count > 0 ? s.Objectives[0] : new ObjectiveReference([]))],
                    [.. stages.SelectMany(s => s.Calls)],
                    _options.Separator,
                    _options.Aggregate)]);
            }
        }

        public override AnswerScore ScoreAnswer(string answer)
        {
            var answers = SplitAnswers(answer, _options.Separator);
            var terms = new List<RewardTerm>();
            var solved = new bool[_objectives.Count];
            var expected = new string[_objectives.Count];
            var info = StepInfo.Empty;
            for (var j = 0; j < _objectives.Count; j++)
            {
                if (j < answers.Count)
                {
                    var score = _objectives[j].ScoreAnswer(answers[j]);
                    solved[j] = score.Success;
                    expected[j] = score.Expected;
                    terms.AddRange(TaskComposition.Prefix(score.Terms, ObjectivePrefix(j), _scale));
                    info = info.Merge(score.Info, ObjectivePrefix(j) + ".");
                }
                else
                {
                    // Scored only to learn the gold answer for info; a missing answer earns the no-answer outcome.
                    expected[j] = _objectives[j].ScoreAnswer(string.Empty).Expected;
                    terms.AddRange(TaskComposition.Prefix(_objectives[j].NoAnswerOutcome(), ObjectivePrefix(j), _scale));
                }
            }

            if (answers.Count != _objectives.Count)
            {
                info = info.With(AnswerFormatInfo, $"expected {_objectives.Count} answers separated by \"{_options.Separator}\", got {answers.Count}");
            }

            var correct = solved.Count(s => s);
            info = info.With(ObjectivesCorrectInfo, correct).With("objective_success", solved);
            return new AnswerScore(terms, correct == _objectives.Count, string.Join(_options.Separator, expected)) { Info = info };
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() =>
            [.. _objectives.SelectMany((o, j) => TaskComposition.Prefix(o.NoAnswerOutcome(), ObjectivePrefix(j), _scale))];

        private static string TrimPeriod(string prompt)
        {
            var trimmed = prompt.Trim();
            return trimmed.EndsWith('.') ? trimmed[..^1] : trimmed;
        }
    }
}
