using Gym.Core.Tools;

namespace Gym.Core.Rewards;

/// <summary>
/// A scripted solution of a task: stages, each a list of tool calls followed by one answer. A
/// single-answer task has one stage; a sequence of tasks has one stage per part.
/// </summary>
/// <param name="Stages">The stages in order.</param>
public sealed record ExpertPlan(IReadOnlyList<PlanStage> Stages)
{
    /// <summary>A single-stage plan: <paramref name="calls"/>, then <paramref name="answer"/>.</summary>
    public ExpertPlan(IReadOnlyList<PlannedCall> calls, string answer)
        : this([new PlanStage(calls, answer)])
    {
    }

    /// <summary>Every planned call of every stage, in order.</summary>
    public IReadOnlyList<PlannedCall> Calls => [.. Stages.SelectMany(s => s.Calls)];

    /// <summary>The answer of the last stage.</summary>
    public string Answer => Stages.Count == 0 ? string.Empty : Stages[^1].Answer;

    /// <summary>Actions needed to follow the plan without a mistake: every call and every answer.</summary>
    public int StepCount => Stages.Sum(s => s.Calls.Count + 1);

    /// <summary>Finds the stage and the position within it of step <paramref name="step"/> (0-based); the position equals the stage's call count for its answer.</summary>
    public (int Stage, int Index) Locate(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var remaining = step;
        for (var s = 0; s < Stages.Count; s++)
        {
            var length = Stages[s].Calls.Count + 1;
            if (remaining < length)
            {
                return (s, remaining);
            }

            remaining -= length;
        }

        throw new ArgumentOutOfRangeException(nameof(step), step, $"the plan has {StepCount} steps");
    }

    /// <summary>The step index of the first step of stage <paramref name="stage"/>; <see cref="StepCount"/> for the stage after the last.</summary>
    public int StageStart(int stage)
    {
        var start = 0;
        for (var s = 0; s < stage && s < Stages.Count; s++)
        {
            start += Stages[s].Calls.Count + 1;
        }

        return start;
    }
}

/// <summary>One stage of a plan: tool calls, then an answer.</summary>
/// <param name="Calls">The calls in order.</param>
/// <param name="Answer">The answer that closes the stage.</param>
public sealed record PlanStage(IReadOnlyList<PlannedCall> Calls, string Answer)
{
    /// <summary>Plausible wrong answers (for an expert's deliberate mistakes: a wrong or premature answer); empty when the task offers none.</summary>
    public IReadOnlyList<string> WrongAnswers { get; init; } = [];
}

/// <summary>One planned tool call and the result it must produce.</summary>
/// <param name="Call">The call, with its exact arguments.</param>
/// <param name="ExpectedResult">The tool's text result when the call succeeds; compared after trimming.</param>
/// <param name="Note">A short human-readable description, written in the expert's <c>&lt;think&gt;</c> block.</param>
public sealed record PlannedCall(ToolCall Call, string ExpectedResult, string Note)
{
    /// <summary>Plausible bad versions of the call (a vague search query), for an expert's deliberate mistakes; empty means the expert perturbs a number instead.</summary>
    public IReadOnlyList<ToolCall> Alternatives { get; init; } = [];
}
