using System.Text.Json;
using Gym.Core;
using Gym.Core.Datasets;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Tasks;

/// <summary>
/// Search-augmented question answering, Search-R1 style: the agent searches a local BM25 index
/// (<c>&lt;search&gt;query&lt;/search&gt;</c> returns <c>&lt;information&gt;Doc 1(Title: …) …&lt;/information&gt;</c>),
/// may open a document by id or title, and ends the episode with <c>&lt;answer&gt;…&lt;/answer&gt;</c>.
/// The question is drawn from the pool by the episode seed. Outcome terms: <c>exact_match</c> (weight 1)
/// and <c>token_f1</c> (a metric); the library's retrieval components read the results from the
/// trajectory. The expert plan issues one good query per hop, then answers.
/// </summary>
public sealed class SearchQaEnvironment : ToolEnvironment, IQuestionPool
{
    /// <summary>The task's exact-match outcome component.</summary>
    public const string ExactMatchComponent = "exact_match";

    /// <summary>The task's token-F1 outcome component (weight 0: a metric).</summary>
    public const string TokenF1Component = "token_f1";

    private readonly SearchQaData _data;

    /// <summary>Creates the environment over loaded data.</summary>
    public SearchQaEnvironment(string id, SearchQaOptions options, SearchQaData data)
        : base(id, (options ?? throw new ArgumentNullException(nameof(options))).Settings)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        Options = options;
    }

    /// <summary>The knobs.</summary>
    public SearchQaOptions Options { get; }

    /// <inheritdoc />
    public int QuestionCount => _data.Questions.Count;

    /// <inheritdoc />
    public DatasetOrder Order => Options.Position.Order;

    /// <summary>The question an episode with <paramref name="seed"/> asks.</summary>
    public QaExample QuestionFor(long seed) => _data.Questions[QuestionIndex(seed)];

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) => new SearchQaTask(QuestionIndex(seed), _data);

    private int QuestionIndex(long seed) => Options.Position.Index(seed, _data.Questions.Count, "search-qa/question");

    private sealed class SearchQaTask(int index, SearchQaData data) : EpisodeTask
    {
        private readonly QaExample example = data.Questions[index];

        private ExpertPlan? _plan;

        public override string Prompt =>
            "Answer the question. Search the encyclopedia as often as you need, one search per turn; " +
            "when you know the answer, give just the answer, without explanation.\n" +
            $"Question: {example.Question}";

        public override IReadOnlyList<ITool> Tools => [data.Search, data.Open];

        public override StepInfo Info
        {
            get
            {
                var info = StepInfo.Empty.With("question_id", example.Id).With("hops", example.Kind.ToString().ToLowerInvariant());
                foreach (var (name, value) in example.Tags)
                {
                    info = info.With(name, value);
                }

                return info;
            }
        }

        public override ExpertPlan Plan => _plan ??= BuildPlan();

        public override TaskReference Reference => new(
        [
            new StageReference(
                [new ObjectiveReference(example.Answers) { SupportingDocuments = example.SupportingTitles, Answerable = example.Answers.Count > 0 }],
                Plan.Calls),
        ]);

        public override AnswerScore ScoreAnswer(string answer)
        {
            var correct = example.Answers.Count > 0 && ExactMatch.Matches(answer, example.Answers);
            return new AnswerScore(
                [
                    new RewardTerm(ExactMatchComponent, RewardKind.Outcome, correct ? 1 : 0, 1),
                    new RewardTerm(TokenF1Component, RewardKind.Outcome, TokenF1.Score(answer, example.Answers), 0),
                ],
                correct,
                example.Answers.Count > 0 ? example.Answers[0] : "");
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() =>
            [new RewardTerm(ExactMatchComponent, RewardKind.Outcome, 0, 1), new RewardTerm(TokenF1Component, RewardKind.Outcome, 0, 0)];

        private ExpertPlan BuildPlan()
        {
            // Files carry no per-hop queries: the expert then searches the question itself.
            var queries = example.HopQueries.Count > 0 ? example.HopQueries : [example.Question];
            var calls = queries.Select((query, i) => new PlannedCall(
                Search(query),
                data.Search.Run(query),
                queries.Count == 1 ? "search for the fact" : $"hop {i + 1} of {queries.Count}: search for {query}")
            {
                Alternatives = [.. VagueQueries(query).Select(Search)],
            }).ToList();
            var answer = example.Answers.Count > 0 ? example.Answers[0] : "cannot answer";
            return new ExpertPlan([new PlanStage(calls, answer) { WrongAnswers = WrongAnswers() }]);
        }

        private ToolCall Search(string query) => new(data.Search.Name, JsonSerializer.SerializeToElement(new { query }));

        // The expert's bad queries: the hop's relation word alone, or a fragment of the entity's name.
        private static IEnumerable<string> VagueQueries(string query)
        {
            var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            yield return words.Length > 1 ? words[^1] : "history";
            yield return words.Length > 2 ? $"{words[0]} history" : "famous people";
        }

        // Plausible wrong answers: those of nearby questions of the same kind in the pool.
        private List<string> WrongAnswers()
        {
            var wrong = new List<string>();
            for (var step = 1; step < data.Questions.Count && wrong.Count < 3 && step <= 64; step++)
            {
                var other = data.Questions[(index + step) % data.Questions.Count];
                if (other.Kind == example.Kind && other.Answers.Count > 0 && !ExactMatch.Matches(other.Answers[0], example.Answers)
                    && !wrong.Contains(other.Answers[0], StringComparer.Ordinal))
                {
                    wrong.Add(other.Answers[0]);
                }
            }

            return wrong;
        }
    }
}
