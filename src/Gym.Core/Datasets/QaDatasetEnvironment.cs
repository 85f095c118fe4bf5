using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;

namespace Gym.Core.Datasets;

/// <summary>
/// Questions from a dataset file, answered in <c>&lt;answer&gt;…&lt;/answer&gt;</c> and scored by
/// SQuAD exact match against any gold answer (<c>exact_match</c>, outcome). The episode's question
/// is drawn from the seed, or taken in file order or a shuffled order (<see cref="DatasetPosition"/>). Offers no tools; its expert plan answers with the first gold answer.
/// </summary>
public sealed class QaDatasetEnvironment : ToolEnvironment, IQuestionPool
{
    /// <summary>Name of the outcome component.</summary>
    public const string OutcomeComponent = "exact_match";

    private readonly IReadOnlyList<QaItem> _items;
    private readonly DatasetPosition _position;

    /// <summary>Creates the environment over loaded items; <paramref name="position"/> picks each episode's question (by seed when null).</summary>
    public QaDatasetEnvironment(string id, IReadOnlyList<QaItem> items, ToolEnvironmentSettings? settings = null, DatasetPosition? position = null)
        : base(id, settings ?? new ToolEnvironmentSettings(MaxTurns: 2))
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.Count > 0 ? items : throw new ArgumentException("a dataset environment needs at least one question", nameof(items));
        _position = position ?? DatasetPosition.Sample;
    }

    /// <inheritdoc />
    public int QuestionCount => _items.Count;

    /// <inheritdoc />
    public DatasetOrder Order => _position.Order;

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) => new QaTask(_items[_position.Index(seed, _items.Count, "dataset/item")]);

    private sealed class QaTask(QaItem item) : EpisodeTask
    {
        public override string Prompt => $"{item.Question}\nGive your final answer as <answer>…</answer>.";

        public override IReadOnlyList<ITool> Tools => [];

        public override StepInfo Info => StepInfo.Empty.With("item", item.Id);

        public override ExpertPlan? Plan => new([], item.Answers[0]);

        public override TaskReference Reference => new([new StageReference([new ObjectiveReference(item.Answers)], [])]);

        public override AnswerScore ScoreAnswer(string answer)
        {
            var correct = ExactMatch.Matches(answer, item.Answers);
            return new AnswerScore([new RewardTerm(OutcomeComponent, RewardKind.Outcome, correct ? 1 : 0, 1)], correct, item.Answers[0]);
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm(OutcomeComponent, RewardKind.Outcome, 0, 1)];
    }
}
