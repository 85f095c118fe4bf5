using System.Globalization;

namespace Gym.Environments.ToolUse.Calculator;

/// <summary>How calculator numbers are written, so that answers and tool output agree character for character.</summary>
public static class CalculatorFormatting
{
    // One '#' per possible decimal place (decimal's scale is at most 28): never rounds, never pads, never uses exponents.
    private static readonly string Pattern = "0." + new string('#', 28);

    /// <summary>
    /// Writes <paramref name="value"/> invariantly with trailing zeros trimmed: <c>12</c>, <c>3.5</c>, <c>-0.25</c>;
    /// never <c>12.000</c> and never exponent notation.
    /// </summary>
    /// <param name="value">The number to write.</param>
    public static string FormatNumber(decimal value) =>
        // decimal has a negative zero (e.g. 0 * -1); the agent should never see "-0".
        value == 0m ? "0" : value.ToString(Pattern, CultureInfo.InvariantCulture);
}
