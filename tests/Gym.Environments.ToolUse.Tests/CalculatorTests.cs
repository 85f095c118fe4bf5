using System.Globalization;
using System.Text;
using FluentAssertions;
using Gym.Environments.ToolUse.Calculator;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

public sealed class CalculatorTests
{
    private static CalculationResult Evaluate(string? expression) => ExpressionEvaluator.Evaluate(expression);

    private static void ShouldEvaluateTo(string expression, string expected)
    {
        var result = Evaluate(expression);
        result.Error.Should().BeNull($"'{expression}' is a valid expression");
        result.IsSuccess.Should().BeTrue();
        result.Value.Should().Be(decimal.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture), $"of '{expression}'");
    }

    private static CalculatorError ShouldFail(string? expression, CalculatorErrorKind kind, int column)
    {
        var result = Evaluate(expression);
        result.IsSuccess.Should().BeFalse($"'{expression}' should not evaluate");
        result.Value.Should().BeNull();
        result.Error.Should().NotBeNull();
        result.Error!.Kind.Should().Be(kind, result.Error.Message);
        result.Error.Column.Should().Be(column, result.Error.Message);
        result.Format().Should().Be(result.Error.Message);
        return result.Error;
    }

    [Theory]
    [InlineData("2 + 3 * 4", "14")]
    [InlineData("(2 + 3) * 4", "20")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("100 / 10 / 2", "5")]
    [InlineData("8 / 2 * 4", "16")]
    [InlineData("2 * 3 % 4", "2")]
    [InlineData("7 % 4 * 3", "9")]
    [InlineData("10 - 2 * 3 + 1", "5")]
    [InlineData("1 + 2 - 3 + 4", "4")]
    [InlineData("2 * (3 + (4 - 1)) / 3", "4")]
    [InlineData("7.5 % 2", "1.5")]
    [InlineData("-7 % 3", "-1")]
    [InlineData("7 % -3", "1")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData("12", "12")]
    [InlineData("3.5", "3.5")]
    [InlineData(".5 + 5.", "5.5")]
    [InlineData("1e3", "1000")]
    [InlineData("2.5E-2 * 4", "0.1")]
    [InlineData("1e+2", "100")]
    public void Respects_precedence_and_left_associativity(string expression, string expected) =>
        ShouldEvaluateTo(expression, expected);

    [Theory]
    [InlineData("-5", "-5")]
    [InlineData("--5", "5")]
    [InlineData("- - -1", "-1")]
    [InlineData("+5", "5")]
    [InlineData("-(2 + 3)", "-5")]
    [InlineData("2 * -3", "-6")]
    [InlineData("2 - -3", "5")]
    [InlineData("3 -+ 2", "1")]
    [InlineData("-2 * -3", "6")]
    [InlineData("-3 + 10", "7")]
    public void Applies_unary_signs(string expression, string expected) => ShouldEvaluateTo(expression, expected);

    [Theory]
    [InlineData("2 ^ 10", "1024")]
    [InlineData("2 ^ 3 ^ 2", "512")]
    [InlineData("2 ^ 2 ^ 3", "256")]
    [InlineData("-2 ^ 2", "-4")]
    [InlineData("(-2) ^ 2", "4")]
    [InlineData("(-2) ^ 3", "-8")]
    [InlineData("-3 ^ 2 + 10", "1")]
    [InlineData("2 * 3 ^ 2", "18")]
    [InlineData("2 ^ -2", "0.25")]
    [InlineData("2 ^ -2 ^ 2", "0.0625")]
    [InlineData("-2 ^ -2", "-0.25")]
    [InlineData("0 ^ 0", "1")]
    [InlineData("5 ^ 0", "1")]
    [InlineData("1 ^ -64", "1")]
    [InlineData("2 ^ 64", "18446744073709551616")]
    [InlineData("1.5 ^ 2", "2.25")]
    [InlineData("0.2 ^ -41", "45474735088646411895751953125")]
    [InlineData("10 ^ -28", "0.0000000000000000000000000001")]
    [InlineData("10 ^ -40", "0")]
    [InlineData("2 ^ (1 + 2)", "8")]
    [InlineData("4.0 ^ 2.0", "16")]
    public void Computes_integer_powers_right_associatively(string expression, string expected) =>
        ShouldEvaluateTo(expression, expected);

    [Theory]
    [InlineData("6 × 7", "42")]
    [InlineData("84 ÷ 2", "42")]
    [InlineData("2 ** 5", "32")]
    [InlineData("2 ** 3 ** 2", "512")]
    [InlineData("-2 ** 2", "-4")]
    [InlineData("3 \u2212 1", "2")]
    [InlineData("2 × 3 ÷ 4", "1.5")]
    public void Accepts_the_operator_aliases_models_write(string expression, string expected) =>
        ShouldEvaluateTo(expression, expected);

    [Theory]
    [InlineData("  1 +\t2 \n* 3 ", "7")]
    [InlineData("(1+2)*3", "9")]
    [InlineData(" ( 1 + 2 ) * 3 ", "9")]
    [InlineData("max ( 1 , 2 )", "2")]
    public void Ignores_whitespace_anywhere_between_tokens(string expression, string expected) =>
        ShouldEvaluateTo(expression, expected);

    [Theory]
    [InlineData("abs(-3)", "3")]
    [InlineData("abs(3)", "3")]
    [InlineData("sqrt(16)", "4")]
    [InlineData("sqrt(0.25)", "0.5")]
    [InlineData("sqrt(0)", "0")]
    [InlineData("sqrt(15241578753153483936144)", "123456789012")]
    [InlineData("sqrt(10 ^ 28)", "100000000000000")]
    [InlineData("min(3, 1, 2)", "1")]
    [InlineData("max(3, 1, 2)", "3")]
    [InlineData("min(-1.5, -2)", "-2")]
    [InlineData("round(2.5)", "3")]
    [InlineData("round(-2.5)", "-3")]
    [InlineData("round(2.4)", "2")]
    [InlineData("round(3.14159, 2)", "3.14")]
    [InlineData("round(1.005, 2)", "1.01")]
    [InlineData("SQRT(9) + Max(1, 2)", "5")]
    [InlineData("max(abs(-5), sqrt(9)) * 2", "10")]
    public void Evaluates_functions(string expression, string expected) => ShouldEvaluateTo(expression, expected);

    [Fact]
    public void Sqrt_of_an_irrational_is_accurate_to_decimal_precision()
    {
        var result = Evaluate("sqrt(2)");

        result.Value.Should().BeApproximately(1.4142135623730950488016887242m, 0.0000000000000000000000000002m);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \t\n")]
    public void Empty_expressions_are_an_Empty_error(string? expression)
    {
        var error = ShouldFail(expression, CalculatorErrorKind.Empty, 1);

        error.Message.Should().Be("expression is empty");
    }

    [Theory]
    [InlineData("1 + * 2", 5)]
    [InlineData("2 * (3 + )", 10)]
    [InlineData("()", 2)]
    [InlineData("1 +", 4)]
    [InlineData("(1 + 2", 7)]
    [InlineData("1 + 2)", 6)]
    [InlineData("1 2", 3)]
    [InlineData("2 $ 3", 3)]
    [InlineData("1.2.3 + 1", 1)]
    [InlineData(". + 1", 1)]
    [InlineData("2(3)", 2)]
    [InlineData("1,000", 2)]
    [InlineData("(1, 2)", 3)]
    [InlineData("sqrt 4", 6)]
    [InlineData("sqrt", 5)]
    [InlineData("max(1, 2", 9)]
    [InlineData("abs()", 5)]
    [InlineData("1 / 0 +", 8)]
    [InlineData("2 = 2", 3)]
    public void Malformed_expressions_are_Syntax_errors_at_the_offending_column(string expression, int column) =>
        ShouldFail(expression, CalculatorErrorKind.Syntax, column);

    [Fact]
    public void Syntax_messages_say_what_was_expected_and_what_was_found()
    {
        ShouldFail("2 * (3 + )", CalculatorErrorKind.Syntax, 10).Message
            .Should().Be("syntax error at column 10: expected a number or '(' but found ')'");
        ShouldFail("-(1 + 23", CalculatorErrorKind.Syntax, 9).Message
            .Should().Be("unexpected end of expression at column 9: expected ')' to close '(' at column 2");
        ShouldFail("1 + 2)", CalculatorErrorKind.Syntax, 6).Message
            .Should().Be("syntax error at column 6: unmatched ')'");
        ShouldFail("2 $ 3", CalculatorErrorKind.Syntax, 3).Message
            .Should().Be("syntax error at column 3: unexpected character '$'");
        ShouldFail("2 · 3", CalculatorErrorKind.Syntax, 3).Message
            .Should().Be("syntax error at column 3: unexpected character '·' (U+00B7)");
        ShouldFail("1.2.3", CalculatorErrorKind.Syntax, 1).Message
            .Should().Be("syntax error at column 1: malformed number '1.2.3'");
        ShouldFail("2(3)", CalculatorErrorKind.Syntax, 2).Message
            .Should().Contain("implicit multiplication is not supported");
        ShouldFail("1,000", CalculatorErrorKind.Syntax, 2).Message
            .Should().Contain("thousands separators");
    }

    [Fact]
    public void A_syntax_error_is_reported_before_any_arithmetic_error_to_its_left() =>
        ShouldFail("1 / 0 + (", CalculatorErrorKind.Syntax, 10);

    [Fact]
    public void The_earliest_problem_in_the_text_is_the_one_reported() =>
        ShouldFail("1 + ) $", CalculatorErrorKind.Syntax, 5);

    [Fact]
    public void Unknown_functions_list_the_known_ones()
    {
        var error = ShouldFail("sin(0)", CalculatorErrorKind.UnknownFunction, 1);

        error.Message.Should().Be("unknown function 'sin' at column 1 (known: abs, sqrt, min, max, round)");
        ExpressionEvaluator.KnownFunctions.Should().Equal("abs", "sqrt", "min", "max", "round");
    }

    [Fact]
    public void Variables_and_constants_are_unknown_names()
    {
        var error = ShouldFail("2 * pi", CalculatorErrorKind.UnknownFunction, 5);

        error.Message.Should().StartWith("unknown name 'pi' at column 5");
    }

    [Theory]
    [InlineData("1 / 0", 3)]
    [InlineData("1234/0", 5)]
    [InlineData("10 % (5 - 5)", 4)]
    [InlineData("1 + 2 / (3 - 3) * 4", 7)]
    [InlineData("84 ÷ 0", 4)]
    [InlineData("0 ^ -1", 3)]
    [InlineData("1 / 0.0", 3)]
    public void Division_by_zero_is_reported_at_the_operator(string expression, int column)
    {
        var error = ShouldFail(expression, CalculatorErrorKind.DivisionByZero, column);

        error.Message.Should().StartWith($"division by zero at column {column}");
    }

    [Theory]
    [InlineData("79228162514264337593543950335 + 1", 31)]
    [InlineData("-79228162514264337593543950335 - 1", 32)]
    [InlineData("2 * 79228162514264337593543950335", 3)]
    [InlineData("79228162514264337593543950335 / 0.5", 31)]
    [InlineData("10^40", 3)]
    [InlineData("10 ** 29", 4)]
    [InlineData("0.01 ^ -20", 6)]
    [InlineData("1 + 2 ^ 64 * 2 ^ 64", 12)]
    [InlineData("79228162514264337593543950336", 1)]
    [InlineData("1 + 1e29", 5)]
    public void Overflow_is_reported_at_the_operator_or_number(string expression, int column)
    {
        var error = ShouldFail(expression, CalculatorErrorKind.Overflow, column);

        error.Message.Should().StartWith("overflow: ").And.Contain("exceeds ±7.9e28").And.EndWith($"at column {column}");
    }

    [Fact]
    public void The_largest_decimal_is_still_a_value() =>
        ShouldEvaluateTo("79228162514264337593543950335 - 1 + 1", "79228162514264337593543950335");

    [Theory]
    [InlineData("2 ^ 0.5", 3)]
    [InlineData("2 ^ 65", 3)]
    [InlineData("2 ^ -65", 3)]
    [InlineData("sqrt(-4)", 1)]
    [InlineData("1 + round(1, 1.5)", 5)]
    [InlineData("round(1, -1)", 1)]
    [InlineData("round(1, 29)", 1)]
    [InlineData("min(1)", 1)]
    [InlineData("abs(1, 2)", 1)]
    [InlineData("round(1, 2, 3)", 1)]
    public void Arguments_outside_the_domain_are_InvalidArgument(string expression, int column) =>
        ShouldFail(expression, CalculatorErrorKind.InvalidArgument, column);

    [Fact]
    public void InvalidArgument_messages_name_the_rule()
    {
        ShouldFail("2 ^ 0.5", CalculatorErrorKind.InvalidArgument, 3).Message
            .Should().Be("invalid argument at column 3: the exponent must be an integer between -64 and 64 but was 0.5");
        ShouldFail("sqrt(-4)", CalculatorErrorKind.InvalidArgument, 1).Message
            .Should().Be("invalid argument at column 1: sqrt of a negative number (-4)");
        ShouldFail("min(1)", CalculatorErrorKind.InvalidArgument, 1).Message
            .Should().Be("invalid argument at column 1: min expects at least 2 arguments but got 1");
        ShouldFail("abs(1, 2)", CalculatorErrorKind.InvalidArgument, 1).Message
            .Should().Be("invalid argument at column 1: abs expects exactly 1 argument but got 2");
    }

    [Fact]
    public void Expressions_up_to_512_characters_are_accepted()
    {
        var expression = "1" + string.Concat(Enumerable.Repeat("+1", 255)) + " ";

        expression.Should().HaveLength(512);
        ShouldEvaluateTo(expression, "256");
    }

    [Fact]
    public void Longer_expressions_are_TooLong()
    {
        var error = ShouldFail(new string('1', 513), CalculatorErrorKind.TooLong, 513);

        error.Message.Should().StartWith("expression is longer than 512 characters");
    }

    [Fact]
    public void Huge_input_is_rejected_without_being_read() =>
        ShouldFail(new string('(', 10_000_000), CalculatorErrorKind.TooLong, 513);

    [Fact]
    public void Parentheses_may_nest_64_deep()
    {
        ShouldEvaluateTo(new string('(', 64) + "1" + new string(')', 64), "1");
        ShouldEvaluateTo(string.Concat(Enumerable.Repeat("abs(", 64)) + "-1" + new string(')', 64), "1");
    }

    [Fact]
    public void Deeper_nesting_is_TooLong_at_the_first_parenthesis_past_the_limit()
    {
        var error = ShouldFail(new string('(', 65) + "1" + new string(')', 65), CalculatorErrorKind.TooLong, 65);

        error.Message.Should().Be("expression nests parentheses deeper than 64 levels at column 65");
        ShouldFail(string.Concat(Enumerable.Repeat("abs(", 65)) + "1" + new string(')', 65), CalculatorErrorKind.TooLong, 260);
    }

    [Fact]
    public void Pathological_chains_within_the_length_limit_do_not_exhaust_the_stack()
    {
        ShouldFail(new string('(', 512), CalculatorErrorKind.TooLong, 65);
        ShouldEvaluateTo(new string('-', 511) + "1", "-1");
        Evaluate(string.Concat(Enumerable.Repeat("2^", 255)) + "1").Error!.Kind.Should().Be(CalculatorErrorKind.InvalidArgument);
        Evaluate(string.Concat(Enumerable.Repeat("1^", 255)) + "1").Value.Should().Be(1m);
        ShouldEvaluateTo(string.Concat(Enumerable.Repeat("-1*", 127)) + "1", "-1");
    }

    [Theory]
    [InlineData("7 / 2", "3.5")]
    [InlineData("1 / 3", "0.3333333333333333333333333333")]
    [InlineData("2 / 3", "0.6666666666666666666666666667")]
    [InlineData("12.000", "12")]
    [InlineData("4 * 3.0", "12")]
    [InlineData("-1 / 4", "-0.25")]
    [InlineData("0 * -1", "0")]
    [InlineData("-0.000", "0")]
    [InlineData("1e-5", "0.00001")]
    [InlineData("10 ^ 28", "10000000000000000000000000000")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("10 ^ -28", "0.0000000000000000000000000001")]
    public void Format_writes_invariant_digits_without_trailing_zeros_or_exponents(string expression, string expected) =>
        Evaluate(expression).Format().Should().Be(expected);

    [Fact]
    public void Format_is_independent_of_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // The build runs in invariant-globalization mode, so a comma-decimal culture is made by hand.
            var commaCulture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            commaCulture.NumberFormat.NumberDecimalSeparator = ",";
            commaCulture.NumberFormat.NegativeSign = "~";
            CultureInfo.CurrentCulture = commaCulture;
            Evaluate("7 / 2").Format().Should().Be("3.5");
            CalculatorFormatting.FormatNumber(-1234.5m).Should().Be("-1234.5");
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Random_integer_expressions_agree_with_a_reference_evaluation()
    {
        var mismatches = new List<string>();
        for (var seed = 0; seed < 500; seed++)
        {
            var random = new Random(seed);
            var generated = RandomExpression.Generate(random, depth: 5);
            var result = Evaluate(generated.Text);
            if (result.Value != generated.Value)
            {
                mismatches.Add($"seed {seed}: '{generated.Text}' expected {generated.Value} but got {result.Format()}");
            }
        }

        mismatches.Should().BeEmpty();
    }

    [Fact]
    public void Garbage_never_throws_and_always_yields_exactly_a_value_or_an_error()
    {
        const string alphabet = "0123456789.+-*/%^()×÷−, eEabsqrtminxround_$\t\u00B7\u0000";
        var random = new Random(12345);
        for (var i = 0; i < 5_000; i++)
        {
            var length = random.Next(0, 60);
            var builder = new StringBuilder(length);
            for (var j = 0; j < length; j++)
            {
                builder.Append(alphabet[random.Next(alphabet.Length)]);
            }

            var expression = builder.ToString();
            var result = Evaluate(expression);

            (result.Value is null).Should().Be(result.Error is not null, expression);
            result.IsSuccess.Should().Be(result.Value is not null, expression);
            result.Format().Should().NotBeNullOrEmpty(expression);
            if (result.Error is { Kind: not CalculatorErrorKind.Empty } error)
            {
                error.Column.Should().BeInRange(1, Math.Max(1, expression.Length + 1), $"{expression} -> {error.Message}");
                error.Message.Should().Contain($"column {error.Column}", expression);
            }
        }
    }

    // Builds a random expression tree over + - * / % ^ with its value computed directly in checked
    // long arithmetic, then writes it with only the parentheses that precedence requires (plus some
    // redundant ones), random spacing and random operator aliases, so the parser has to get precedence right.
    private static class RandomExpression
    {
        private const int Additive = 1;
        private const int Multiplicative = 2;
        private const int Unary = 3;
        private const int Power = 4;
        private const int Atom = 5;

        public static (string Text, long Value) Generate(Random random, int depth)
        {
            var node = Node(random, depth);
            return (node.Text, node.Value);
        }

        private static Part Node(Random random, int depth)
        {
            var part = depth == 0 || random.Next(4) == 0 ? Leaf(random) : Binary(random, depth);
            return random.Next(8) == 0 ? new Part($"({Space(random)}{part.Text}{Space(random)})", part.Value, Atom) : part;
        }

        private static Part Leaf(Random random)
        {
            var value = random.Next(-30, 1000);
            return value < 0 ? new Part($"-{-value}", value, Unary) : new Part(value.ToString(CultureInfo.InvariantCulture), value, Atom);
        }

        private static Part Binary(Random random, int depth)
        {
            var left = Node(random, depth - 1);
            var op = "+-*/%^"[random.Next(6)];
            if (op == '^')
            {
                var exponent = random.Next(0, 4);
                var power = Pow(left.Value, exponent);
                if (power is { } value)
                {
                    var @base = left.Precedence < Atom ? $"({left.Text})" : left.Text;
                    var caret = random.Next(2) == 0 ? "^" : "**";
                    return new Part($"{@base}{Space(random)}{caret}{Space(random)}{exponent}", value, Power);
                }

                return left;
            }

            var right = Node(random, depth - 1);
            var result = Apply(op, left.Value, right.Value);
            if (result is null)
            {
                op = '+';
                result = Apply(op, left.Value, right.Value);
                if (result is null)
                {
                    return left;
                }
            }

            var precedence = op is '+' or '-' ? Additive : Multiplicative;
            var leftText = left.Precedence < precedence ? $"({left.Text})" : left.Text;
            // A right operand of equal precedence only drops its parentheses under '+', where regrouping is exact.
            var rightNeedsParentheses = right.Precedence < precedence || (right.Precedence == precedence && op != '+');
            var rightText = rightNeedsParentheses ? $"({right.Text})" : right.Text;
            return new Part($"{leftText}{Space(random)}{Alias(random, op)}{Space(random)}{rightText}", result.Value, precedence);
        }

        private static long? Apply(char op, long left, long right)
        {
            try
            {
                return op switch
                {
                    '+' => checked(left + right),
                    '-' => checked(left - right),
                    '*' => checked(left * right),
                    '/' when right != 0 && left % right == 0 => checked(left / right),
                    '%' when right != 0 => left % right,
                    _ => null,
                };
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        private static long? Pow(long @base, int exponent)
        {
            try
            {
                var result = 1L;
                for (var i = 0; i < exponent; i++)
                {
                    result = checked(result * @base);
                }

                return result;
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        private static string Alias(Random random, char op) => (op, random.Next(3)) switch
        {
            ('*', 0) => "×",
            ('/', 0) => "÷",
            _ => op.ToString(),
        };

        private static string Space(Random random) => random.Next(3) == 0 ? " " : "";

        private sealed record Part(string Text, long Value, int Precedence);
    }
}
