namespace Gym.Environments.ToolUse.Calculator;

// Arithmetic that decimal lacks. Domain errors are raised as CalculationException at the operator's
// column; overflow is left as OverflowException for the caller to attach the column to.
internal static class DecimalMath
{
    private const int MaxRoundDigits = 28;

    public static decimal Power(decimal @base, decimal exponent, int column)
    {
        var limit = ExpressionEvaluator.MaxExponent;
        if (exponent != decimal.Truncate(exponent) || exponent < -limit || exponent > limit)
        {
            throw new CalculationException(CalculatorErrors.InvalidArgument(
                column,
                $"the exponent must be an integer between -{limit} and {limit} but was {CalculatorFormatting.FormatNumber(exponent)}"));
        }

        var n = (int)exponent;
        if (n >= 0)
        {
            return PowerBySquaring(@base, n);
        }

        if (@base == 0m)
        {
            throw new CalculationException(CalculatorErrors.ZeroToNegativePower(column));
        }

        // For |base| < 1 the reciprocal is usually exact (0.5, 0.2, 0.125) and keeps 0.2^-41 = 5^41 exact,
        // where 1 / 0.2^41 would divide by a power that already rounded away to zero.
        if (Math.Abs(@base) < 1m)
        {
            return PowerBySquaring(1m / @base, -n);
        }

        try
        {
            return 1m / PowerBySquaring(@base, -n);
        }
        catch (OverflowException)
        {
            // |base^n| > 7.9e28 puts the reciprocal below 1.3e-29, which rounds to zero at decimal's 28 places.
            return 0m;
        }
    }

    // Squares only while exponent bits remain, so no square larger than the result is ever formed:
    // for |base| >= 1 an overflow here means the result itself overflows.
    private static decimal PowerBySquaring(decimal @base, int exponent)
    {
        var result = 1m;
        var square = @base;
        while (exponent > 0)
        {
            if ((exponent & 1) == 1)
            {
                result *= square;
            }

            exponent >>= 1;
            if (exponent > 0)
            {
                square *= square;
            }
        }

        return result;
    }

    public static decimal Sqrt(decimal value, int column)
    {
        if (value < 0m)
        {
            throw new CalculationException(CalculatorErrors.InvalidArgument(
                column,
                $"sqrt of a negative number ({CalculatorFormatting.FormatNumber(value)})"));
        }

        if (value == 0m)
        {
            return 0m;
        }

        // The double estimate has ~15 correct digits; Newton's method doubles that per step.
        var root = (decimal)Math.Sqrt((double)value);
        for (var i = 0; i < 8; i++)
        {
            var next = (root + (value / root)) / 2m;
            if (next == root)
            {
                break;
            }

            root = next;
        }

        return SnapToExactRoot(root, value);
    }

    // Newton's last step can land one unit off in the 28th digit (3.9999…9 for sqrt(16)); when a shorter
    // nearby number squares back exactly, that is the exact root.
    private static decimal SnapToExactRoot(decimal root, decimal value)
    {
        for (var digits = 0; digits <= 14; digits++)
        {
            var candidate = Math.Round(root, digits);
            try
            {
                if (candidate * candidate == value)
                {
                    return candidate;
                }
            }
            catch (OverflowException)
            {
                // The candidate rounded up past sqrt(decimal.MaxValue); it cannot be the root.
            }
        }

        return root;
    }

    // Half away from zero, the rounding people expect from a calculator (round(2.5) = 3), not banker's rounding.
    public static decimal Round(decimal value, decimal digits, int column)
    {
        if (digits != decimal.Truncate(digits) || digits < 0m || digits > MaxRoundDigits)
        {
            throw new CalculationException(CalculatorErrors.InvalidArgument(
                column,
                $"round digits must be an integer between 0 and {MaxRoundDigits} but was {CalculatorFormatting.FormatNumber(digits)}"));
        }

        return Math.Round(value, (int)digits, MidpointRounding.AwayFromZero);
    }
}
