using System.Globalization;
using System.Text;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Testing;

namespace Gym.Core.Tests.Rewards.Program;

/// <summary>
/// A small search task for reward tests: a real word-overlap search over five fixed documents,
/// returning Search-R1 formatted results; the gold answer is in "Zorba Institute". Seed 1 asks an
/// unanswerable question (no gold answer).
/// </summary>
public sealed class LibraryEnvironment(ToolEnvironmentSettings settings) : ToolEnvironment("test/library-v0", settings)
{
    public static readonly (string Title, string Text)[] Documents =
    [
        ("Alpine Lakes", "Alpine lakes are cold and deep."),
        ("Zorba Institute", "The Zorba Institute was founded in Quillton by Mara Vent."),
        ("Quillton", "Quillton is a river city known for bridges."),
        ("Mara Vent", "Mara Vent is a chemist who founded an institute."),
        ("Bridges", "Famous bridges span many rivers."),
    ];

    public static ITool Search { get; } = new DelegateTool(
        "search",
        DelegateTool.SingleStringParameter("query"),
        (arguments, _) => ValueTask.FromResult(ToolResult.Ok(Render(Find(arguments.GetProperty("query").GetString()!, 2)))));

    public static IReadOnlyList<(string Title, string Text)> Find(string query, int k)
    {
        var words = query.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return [.. Documents
            .Select((d, i) => (d, i, score: words.Count(w => (d.Title + " " + d.Text).ToLowerInvariant().Contains(w, StringComparison.Ordinal))))
            .Where(x => x.score > 0)
            .OrderByDescending(x => x.score).ThenBy(x => x.i)
            .Take(k)
            .Select(x => x.d)];
    }

    public static string Render(IReadOnlyList<(string Title, string Text)> documents)
    {
        var text = new StringBuilder("<information>");
        for (var i = 0; i < documents.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Doc {i + 1}(Title: {documents[i].Title}) {documents[i].Text}\n");
        }

        return text.Append("</information>").ToString();
    }

    protected override EpisodeTask CreateTask(long seed) => new LibraryTask(answerable: seed != 1);

    private sealed class LibraryTask(bool answerable) : EpisodeTask
    {
        public override string Prompt => answerable ? "Who founded the institute in Quillton?" : "What is the name of Mara Vent's cat?";

        public override IReadOnlyList<ITool> Tools => [Search];

        public override TaskReference Reference => new(
        [
            new StageReference(
                [answerable
                    ? new ObjectiveReference(["Mara Vent", "M. Vent"]) { SupportingDocuments = ["Zorba Institute"] }
                    : new ObjectiveReference([]) { Answerable = false }],
                []),
        ]);

        public override AnswerScore ScoreAnswer(string answer)
        {
            var correct = answerable && ExactMatch.Matches(answer, ["Mara Vent", "M. Vent"]);
            return new AnswerScore([new RewardTerm("em", RewardKind.Outcome, correct ? 1 : 0, 1)], correct, answerable ? "Mara Vent" : "");
        }

        public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm("em", RewardKind.Outcome, 0, 1)];
    }
}
