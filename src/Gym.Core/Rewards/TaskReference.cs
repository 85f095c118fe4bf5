namespace Gym.Core.Rewards;

/// <summary>
/// What reward components compare an episode against: per stage, the gold answers of each objective
/// and the calls an expert would make. Never shown to the agent. Built from the task (by default from
/// its <see cref="ExpertPlan"/>), so it is a pure function of the seed and re-scoring a recorded
/// episode sees the same reference.
/// </summary>
/// <param name="Stages">One entry per answer the task expects, in order.</param>
public sealed record TaskReference(IReadOnlyList<StageReference> Stages)
{
    /// <summary>A reference with nothing to compare against (no gold answers, no planned calls).</summary>
    public static TaskReference None { get; } = new([]);

    /// <summary>The reference of stage <paramref name="index"/>, or <see cref="StageReference.None"/> past the last stage.</summary>
    public StageReference Stage(int index) => index >= 0 && index < Stages.Count ? Stages[index] : StageReference.None;

    /// <summary>The reference implied by a plan: each stage's answer is its only gold answer, its calls the planned calls.</summary>
    public static TaskReference FromPlan(ExpertPlan? plan) => plan is null
        ? None
        : new([.. plan.Stages.Select(s => new StageReference([new ObjectiveReference([s.Answer])], s.Calls))]);
}

/// <summary>The reference of one stage: the objectives its one answer covers and the expert's calls before it.</summary>
/// <param name="Objectives">The objectives; more than one when K questions are answered together.</param>
/// <param name="Calls">The planned calls of the stage, in order.</param>
/// <param name="Separator">With several objectives, what separates their answers inside the one answer.</param>
/// <param name="Aggregate">With several objectives, whether their scores are summed or averaged.</param>
public sealed record StageReference(
    IReadOnlyList<ObjectiveReference> Objectives,
    IReadOnlyList<PlannedCall> Calls,
    string? Separator = null,
    ObjectiveAggregate Aggregate = ObjectiveAggregate.Sum)
{
    /// <summary>A stage with no objectives and no calls.</summary>
    public static StageReference None { get; } = new([], []);
}

/// <summary>The gold data of one objective.</summary>
/// <param name="Answers">Every accepted answer (aliases); empty when the question has no answer.</param>
public sealed record ObjectiveReference(IReadOnlyList<string> Answers)
{
    /// <summary>Ids or titles of the documents that support the answer (search tasks).</summary>
    public IReadOnlyList<string> SupportingDocuments { get; init; } = [];

    /// <summary>Whether the question can be answered at all; abstaining is right only when it cannot.</summary>
    public bool Answerable { get; init; } = true;
}
