using System.Diagnostics.CodeAnalysis;

namespace Gym.Environments.ToolUse.Calculator;

/// <summary>The outcome of evaluating an expression: exactly one of <see cref="Value"/> and <see cref="Error"/> is set.</summary>
public sealed record CalculationResult
{
    private CalculationResult(decimal? value, CalculatorError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value of the expression, or <see langword="null"/> when evaluation failed.</summary>
    public decimal? Value { get; }

    /// <summary>Why evaluation failed, or <see langword="null"/> when it succeeded.</summary>
    public CalculatorError? Error { get; }

    /// <summary>Whether the expression evaluated to a value.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Creates a successful result.</summary>
    /// <param name="value">The value of the expression.</param>
    public static CalculationResult Success(decimal value) => new(value, null);

    /// <summary>Creates a failed result.</summary>
    /// <param name="error">Why evaluation failed.</param>
    public static CalculationResult Failure(CalculatorError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, error);
    }

    /// <summary>
    /// The text to show the agent: the value in invariant notation without trailing zeros
    /// (see <see cref="CalculatorFormatting.FormatNumber"/>), or the error message.
    /// </summary>
    public string Format() => IsSuccess ? CalculatorFormatting.FormatNumber(Value.GetValueOrDefault()) : Error.Message;
}
