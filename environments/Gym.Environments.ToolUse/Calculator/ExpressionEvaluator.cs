namespace Gym.Environments.ToolUse.Calculator;

/// <summary>
/// Evaluates arithmetic expressions the way an agent's calculator tool should: exactly, in <see cref="decimal"/>,
/// and with every failure reported as a value that says where and how to fix the expression.
/// </summary>
/// <remarks>
/// Supported: numbers (<c>12</c>, <c>3.5</c>, <c>.5</c>, <c>1e3</c>); binary <c>+ - * / %</c> (remainder takes the
/// sign of the dividend, as in C#); <c>^</c> for integer powers, right-associative and tighter than a unary sign on
/// its left (<c>-2^2 = -4</c>); unary <c>+</c>/<c>-</c>; parentheses; the aliases <c>×</c>, <c>÷</c>, <c>**</c> and
/// U+2212 <c>−</c>; and the functions <c>abs(x)</c>, <c>sqrt(x)</c>, <c>min(a, b, …)</c>, <c>max(a, b, …)</c> and
/// <c>round(x[, digits])</c> (half away from zero). Results with more than 28 significant digits are rounded.
/// </remarks>
public static class ExpressionEvaluator
{
    /// <summary>The longest expression accepted, in UTF-16 characters.</summary>
    public const int MaxExpressionLength = 512;

    /// <summary>The deepest nesting of parentheses (including function calls) accepted.</summary>
    public const int MaxNestingDepth = 64;

    /// <summary>The largest absolute exponent accepted by <c>^</c>.</summary>
    public const int MaxExponent = 64;

    /// <summary>The names of the supported functions, for tool descriptions.</summary>
    public static IReadOnlyList<string> KnownFunctions { get; } = [.. CalculatorFunctions.All.Select(function => function.Name)];

    /// <summary>Evaluates <paramref name="expression"/>. Never throws: every failure is a <see cref="CalculatorError"/>.</summary>
    /// <param name="expression">The expression, as the agent wrote it; <see langword="null"/> counts as empty.</param>
    public static CalculationResult Evaluate(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return CalculationResult.Failure(CalculatorErrors.Empty());
        }

        if (expression.Length > MaxExpressionLength)
        {
            return CalculationResult.Failure(CalculatorErrors.TooLong(expression.Length));
        }

        try
        {
            var tree = Parser.Parse(Tokenizer.Tokenize(expression));
            return CalculationResult.Success(tree.Evaluate());
        }
        catch (CalculationException exception)
        {
            return CalculationResult.Failure(exception.Error);
        }
    }
}
