namespace Gym.Environments.ToolUse.Calculator;

/// <summary>Why an expression could not be evaluated.</summary>
public enum CalculatorErrorKind
{
    /// <summary>The expression is null, empty or only whitespace.</summary>
    Empty,

    /// <summary>The expression is not well formed: a bad character, a misplaced token or unbalanced parentheses.</summary>
    Syntax,

    /// <summary>A name that is not one of the known functions (variables and constants are not supported either).</summary>
    UnknownFunction,

    /// <summary>A division, remainder or negative power with a zero divisor.</summary>
    DivisionByZero,

    /// <summary>A number or intermediate result outside the range of <see cref="decimal"/> (about ±7.9e28).</summary>
    Overflow,

    /// <summary>A function or operator got an argument outside its domain, or the wrong number of arguments.</summary>
    InvalidArgument,

    /// <summary>The expression is longer than the length limit or nests parentheses deeper than the depth limit.</summary>
    TooLong,
}
