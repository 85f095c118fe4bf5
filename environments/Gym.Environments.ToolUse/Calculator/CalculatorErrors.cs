namespace Gym.Environments.ToolUse.Calculator;

// Every message the calculator can produce, in one place so that their phrasing stays consistent:
// "<what went wrong> at column N[: how to fix it]".
internal static class CalculatorErrors
{
    private const string RangeText = "±7.9e28";

    public static CalculatorError Empty() =>
        new(CalculatorErrorKind.Empty, "expression is empty", 1);

    public static CalculatorError TooLong(int length) =>
        new(
            CalculatorErrorKind.TooLong,
            $"expression is longer than {ExpressionEvaluator.MaxExpressionLength} characters (it has {length}); split the calculation into smaller steps",
            ExpressionEvaluator.MaxExpressionLength + 1);

    public static CalculatorError TooDeep(int column) =>
        new(
            CalculatorErrorKind.TooLong,
            $"expression nests parentheses deeper than {ExpressionEvaluator.MaxNestingDepth} levels at column {column}",
            column);

    public static CalculatorError Syntax(int column, string detail) =>
        new(CalculatorErrorKind.Syntax, $"syntax error at column {column}: {detail}", column);

    public static CalculatorError UnexpectedEnd(int column, string expected) =>
        new(CalculatorErrorKind.Syntax, $"unexpected end of expression at column {column}: {expected}", column);

    public static CalculatorError UnknownFunction(string name, int column) =>
        new(
            CalculatorErrorKind.UnknownFunction,
            $"unknown function '{name}' at column {column} (known: {CalculatorFunctions.KnownNamesText})",
            column);

    public static CalculatorError UnknownName(string name, int column) =>
        new(
            CalculatorErrorKind.UnknownFunction,
            $"unknown name '{name}' at column {column}: variables and constants are not supported, only numbers and the functions {CalculatorFunctions.KnownNamesText}",
            column);

    public static CalculatorError DivisionByZero(int column) =>
        new(CalculatorErrorKind.DivisionByZero, $"division by zero at column {column}", column);

    public static CalculatorError ZeroToNegativePower(int column) =>
        new(CalculatorErrorKind.DivisionByZero, $"division by zero at column {column}: 0 cannot be raised to a negative power", column);

    public static CalculatorError Overflow(int column) =>
        new(CalculatorErrorKind.Overflow, $"overflow: result exceeds {RangeText} at column {column}", column);

    public static CalculatorError NumberTooLarge(string text, int column) =>
        new(CalculatorErrorKind.Overflow, $"overflow: number '{text}' exceeds {RangeText} at column {column}", column);

    public static CalculatorError InvalidArgument(int column, string detail) =>
        new(CalculatorErrorKind.InvalidArgument, $"invalid argument at column {column}: {detail}", column);
}
