namespace Gym.Environments.ToolUse.Calculator;

/// <summary>A failed evaluation, phrased so that a model reading it can fix its expression.</summary>
/// <param name="Kind">The category of the problem.</param>
/// <param name="Message">A one-line explanation that already includes the column.</param>
/// <param name="Column">The 1-based column in the input where the problem is; for arithmetic errors, the operator's column.</param>
public sealed record CalculatorError(CalculatorErrorKind Kind, string Message, int Column);
