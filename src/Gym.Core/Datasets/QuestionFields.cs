namespace Gym.Core.Datasets;

/// <summary>
/// The reset-info keys by which question-answering environments name an episode's question and its dataset
/// row's groups, and by which a run's summary reports metrics over distinct questions. One list, so that
/// what an environment writes and what the summary reads cannot drift apart.
/// </summary>
public static class QuestionFields
{
    /// <summary>The keys that name an episode's question, in order of preference (search QA's, then a <c>dataset</c> task's).</summary>
    public static IReadOnlyList<string> IdKeys { get; } = ["question_id", "item"];

    /// <summary>The row fields a summary groups questions by: verl's <c>data_source</c>, HotpotQA's and 2Wiki's <c>type</c>, HotpotQA's <c>level</c>.</summary>
    public static IReadOnlyList<string> GroupFields { get; } = ["data_source", "type", "level"];
}
