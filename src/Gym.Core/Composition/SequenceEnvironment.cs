using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;

namespace Gym.Core.Composition;

/// <summary>
/// Sub-tasks one after another in one episode (<c>sequence</c>). Part i's task is made from
/// <c>Derive(seed, "part", i)</c>. Answering a part records its outcome components, renamed
/// <c>part{i+1}.{name}</c>, and shows the next part's prompt as a user message; the episode
/// terminates with the last part's answer, and <c>info.is_success</c> is true iff every part was
/// solved. Tools are the union of the parts' tools, offered from the start. The turn limit
/// truncates as usual, scoring the unanswered parts 0.
/// </summary>
public sealed class SequenceEnvironment : ToolEnvironment
{
    /// <summary>Creates the environment.</summary>
    /// <param name="id">The environment id recorded in trajectories.</param>
    /// <param name="parts">The parts, in order (at least one); owned (disposed with this environment).</param>
    /// <param name="maxTurns">The turn limit; defaults to the sum of the parts' limits.</param>
    /// <param name="settings">Format, weights and timeouts; default the first part's. <paramref name="maxTurns"/> overrides its turn limit.</param>
    public SequenceEnvironment(string id, IReadOnlyList<ITaskSource> parts, int? maxTurns = null, ToolEnvironmentSettings? settings = null)
        : base(id, Resolve(parts, maxTurns, settings))
    {
        Parts = [.. parts];
    }

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<ITaskSource> Parts { get; }

    /// <summary>The outcome-component prefix of part <paramref name="index"/> (0-based): <c>part1</c>, <c>part2</c>, ….</summary>
    public static string PartPrefix(int index) => $"part{index + 1}";

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) =>
        new SequenceTask([.. Parts.Select((part, i) => part.CreateTask(SeededRandom.Derive(seed, "part", i)))]);

    /// <summary>Disposes the parts this environment owns, those that are disposable.</summary>
    /// <param name="disposing">True when called from <see cref="ToolEnvironment.Dispose()"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var part in Parts)
            {
                DisposeOwned(part);
            }
        }

        base.Dispose(disposing);
    }

    private static ToolEnvironmentSettings Resolve(IReadOnlyList<ITaskSource> parts, int? maxTurns, ToolEnvironmentSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("a sequence needs at least one part", nameof(parts));
        }

        if (parts.Any(p => p is null))
        {
            throw new ArgumentException("a sequence part is null", nameof(parts));
        }

        var resolved = settings ?? parts[0].Settings with { MaxTurns = parts.Sum(p => p.Settings.MaxTurns) };
        return maxTurns is { } limit ? resolved with { MaxTurns = limit } : resolved;
    }

    private sealed class SequenceTask(IReadOnlyList<EpisodeTask> parts) : EpisodeTask
    {
        private readonly bool[] _solved = new bool[parts.Count];
        private int _current;

        public override string Prompt => parts.Count == 1
            ? parts[0].Prompt
            : $"This task has {parts.Count} parts; each part is shown after you answer the one before.\n{PartPrompt(0)}";

        public override IReadOnlyList<ITool> Tools { get; } = TaskComposition.UnionTools(parts, "parts");

        public override StepInfo Info
        {
            get
            {
                var info = StepInfo.Empty.With("parts", parts.Count);
                for (var i = 0; i < parts.Count; i++)
                {
                    info = info.Merge(parts[i].Info, PartPrefix(i) + ".");
                }

                return info;
            }
        }

        public override ExpertPlan? Plan => parts.All(p => p.Plan is not null)
            ? new ExpertPlan([.. parts.SelectMany(p => p.Plan!.Stages)])
            : null;

        public override TaskReference Reference => new([.. parts.SelectMany(p => p.Reference.Stages)]);

        public override AnswerScore ScoreAnswer(string answer)
        {
            if (_current >= parts.Count)
            {
                throw new InvalidOperationException("every part of the sequence has been answered");
            }

            var index = _current;
            var score = parts[index].ScoreAnswer(answer);
            var terms = TaskComposition.Prefix(score.Terms, PartPrefix(index)).ToList();
            var info = StepInfo.Empty.Merge(score.Info, PartPrefix(index) + ".").With("part", index + 1);
            if (score.NextPrompt is { } inner)
            {
                // A part with stages of its own (a nested sequence) stays current until its last stage.
                return new AnswerScore(terms, score.Success, score.Expected) { NextPrompt = inner, Info = info };
            }

            _solved[index] = score.Success;
            _current++;
            info = info.With("part_success", score.Success).With("parts_correct", _solved.Count(s => s));
            return _current < parts.Count
                ? new AnswerScore(terms, score.Success, score.Expected) { NextPrompt = PartPrompt(_current), Info = info }
                : new AnswerScore(terms, _solved.All(s => s), score.Expected) { Info = info };
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() =>
            [.. Enumerable.Range(_current, parts.Count - _current).SelectMany(i => TaskComposition.Prefix(parts[i].NoAnswerOutcome(), PartPrefix(i)))];

        private string PartPrompt(int index) => $"Part {index + 1} of {parts.Count}: {parts[index].Prompt}";
    }
}
