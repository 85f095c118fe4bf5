using System.Globalization;

namespace Gym.Environments.ToolUse.Arithmetic;

/// <summary>An arithmetic operator used in generated problems.</summary>
public enum ArithmeticOperator
{
    /// <summary>Addition.</summary>
    Add,
    /// <summary>Subtraction.</summary>
    Subtract,
    /// <summary>Multiplication.</summary>
    Multiply,
    /// <summary>Exact division.</summary>
    Divide,
}

/// <summary>One step of the solution: <c>Left Operator Right = Result</c>.</summary>
/// <param name="Left">The running value before the step.</param>
/// <param name="Operator">The operation.</param>
/// <param name="Right">The operand from the problem text.</param>
/// <param name="Result">The running value after the step.</param>
public sealed record SolutionStep(long Left, ArithmeticOperator Operator, long Right, long Result)
{
    /// <summary>The calculator expression for this step, e.g. <c>4512 + 317</c>.</summary>
    public string Expression => string.Create(CultureInfo.InvariantCulture, $"{Left} {Symbol(Operator)} {Right}");

    /// <summary>The operator's symbol.</summary>
    public static char Symbol(ArithmeticOperator op) => op switch
    {
        ArithmeticOperator.Add => '+',
        ArithmeticOperator.Subtract => '-',
        ArithmeticOperator.Multiply => '*',
        _ => '/',
    };
}

/// <summary>A generated word problem with its solution plan.</summary>
/// <param name="Text">The problem as shown to the agent.</param>
/// <param name="Start">The starting number.</param>
/// <param name="Steps">The operations in order, with intermediate results.</param>
/// <param name="Distractors">The irrelevant numbers mentioned in the text.</param>
public sealed record ArithmeticProblem(string Text, long Start, IReadOnlyList<SolutionStep> Steps, IReadOnlyList<long> Distractors)
{
    /// <summary>The correct final answer.</summary>
    public long Answer => Steps.Count == 0 ? Start : Steps[^1].Result;
}
