namespace Gym.Environments.ToolUse.Calculator;

// Unwinds the recursive parser and evaluator to ExpressionEvaluator.Evaluate, which turns it back
// into a value; it never escapes the public API.
internal sealed class CalculationException(CalculatorError error) : Exception(error.Message)
{
    public CalculatorError Error { get; } = error;
}
