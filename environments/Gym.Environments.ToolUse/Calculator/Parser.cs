namespace Gym.Environments.ToolUse.Calculator;

// Recursive descent over the grammar, lowest precedence first:
//   additive       = multiplicative (("+" | "-") multiplicative)*
//   multiplicative = unary (("*" | "/" | "%") unary)*
//   unary          = ("+" | "-")* power
//   power          = primary ("^" unary)?          right-associative; -2^2 = -(2^2)
//   primary        = number | "(" additive ")" | name "(" additive ("," additive)* ")"
// Only parentheses recurse without consuming input proportional to the depth, so they alone are
// counted against MaxNestingDepth; every other recursion is bounded by the length limit.
internal sealed class Parser
{
    private const string ExpectedOperand = "expected a number or '('";

    private readonly List<Token> _tokens;
    private int _position;
    private int _depth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Node Parse(List<Token> tokens)
    {
        var parser = new Parser(tokens);
        var root = parser.ParseAdditive();
        parser.ExpectEnd();
        return root;
    }

    // Every decision looks at the current token, so a lexical error surfaces exactly when the parser reaches it.
    private Token Current
    {
        get
        {
            var token = _tokens[_position];
            return token.Kind == TokenKind.Invalid ? throw new CalculationException(token.Error!) : token;
        }
    }

    private Token Advance()
    {
        var token = Current;
        if (token.Kind != TokenKind.End)
        {
            _position++;
        }

        return token;
    }

    private Node ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Advance();
            var right = ParseMultiplicative();
            var kind = op.Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract;
            left = new BinaryNode(kind, left, right, op.Column);
        }

        return left;
    }

    private Node ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Advance();
            var right = ParseUnary();
            var kind = op.Kind switch
            {
                TokenKind.Star => BinaryOperator.Multiply,
                TokenKind.Slash => BinaryOperator.Divide,
                _ => BinaryOperator.Remainder,
            };
            left = new BinaryNode(kind, left, right, op.Column);
        }

        return left;
    }

    // A run of signs collapses to at most one negation, so "------1" builds no deep tree.
    private Node ParseUnary()
    {
        var negate = false;
        var signColumn = Current.Column;
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            negate ^= Advance().Kind == TokenKind.Minus;
        }

        var operand = ParsePower();
        return negate ? new NegateNode(operand, signColumn) : operand;
    }

    private Node ParsePower()
    {
        var @base = ParsePrimary();
        if (Current.Kind != TokenKind.Caret)
        {
            return @base;
        }

        var op = Advance();
        var exponent = ParseUnary();
        return new BinaryNode(BinaryOperator.Power, @base, exponent, op.Column);
    }

    private Node ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumberNode(token.Number, token.Column);
            case TokenKind.LeftParen:
                var open = Advance();
                Enter(open);
                var inner = ParseAdditive();
                ExpectClose(open);
                _depth--;
                return inner;
            case TokenKind.Identifier:
                return ParseCall();
            case TokenKind.End:
                throw new CalculationException(CalculatorErrors.UnexpectedEnd(token.Column, ExpectedOperand));
            default:
                throw new CalculationException(CalculatorErrors.Syntax(token.Column, $"{ExpectedOperand} but found {token.Describe()}"));
        }
    }

    private CallNode ParseCall()
    {
        var name = Advance();
        var function = CalculatorFunctions.Find(name.Text);
        if (function is null)
        {
            throw new CalculationException(Current.Kind == TokenKind.LeftParen
                ? CalculatorErrors.UnknownFunction(name.Text, name.Column)
                : CalculatorErrors.UnknownName(name.Text, name.Column));
        }

        if (Current.Kind != TokenKind.LeftParen)
        {
            var detail = $"expected '(' after the function name '{name.Text}' but found {Current.Describe()}";
            throw new CalculationException(Current.Kind == TokenKind.End
                ? CalculatorErrors.UnexpectedEnd(Current.Column, $"expected '(' after the function name '{name.Text}'")
                : CalculatorErrors.Syntax(Current.Column, detail));
        }

        var open = Advance();
        Enter(open);
        var arguments = new List<Node> { ParseAdditive() };
        while (Current.Kind == TokenKind.Comma)
        {
            Advance();
            arguments.Add(ParseAdditive());
        }

        ExpectClose(open, isCall: true);
        _depth--;

        if (arguments.Count < function.MinArguments || arguments.Count > function.MaxArguments)
        {
            throw new CalculationException(CalculatorErrors.InvalidArgument(
                name.Column,
                $"{function.Name} expects {function.ArityText} but got {arguments.Count}"));
        }

        return new CallNode(function, arguments, name.Column);
    }

    private void Enter(Token open)
    {
        if (++_depth > ExpressionEvaluator.MaxNestingDepth)
        {
            throw new CalculationException(CalculatorErrors.TooDeep(open.Column));
        }
    }

    private void ExpectClose(Token open, bool isCall = false)
    {
        var token = Current;
        if (token.Kind == TokenKind.RightParen)
        {
            Advance();
            return;
        }

        var closer = $"')' to close '(' at column {open.Column}";
        if (token.Kind == TokenKind.End)
        {
            throw new CalculationException(CalculatorErrors.UnexpectedEnd(token.Column, $"expected {closer}"));
        }

        var expected = isCall ? $"an operator, ',' or {closer}" : $"an operator or {closer}";
        throw new CalculationException(CalculatorErrors.Syntax(token.Column, $"expected {expected} but found {token.Describe()}{Hint(token)}"));
    }

    private void ExpectEnd()
    {
        var token = Current;
        var detail = token.Kind switch
        {
            TokenKind.End => null,
            TokenKind.RightParen => "unmatched ')'",
            TokenKind.Comma => "unexpected ',' (commas only separate function arguments; write numbers without thousands separators)",
            _ => $"expected an operator or the end of the expression but found {token.Describe()}{Hint(token)}",
        };
        if (detail is not null)
        {
            throw new CalculationException(CalculatorErrors.Syntax(token.Column, detail));
        }
    }

    // "2(3)" and "2sqrt(4)" are how people write products; say so instead of only rejecting them.
    private static string Hint(Token found) =>
        found.Kind is TokenKind.LeftParen or TokenKind.Identifier
            ? " (implicit multiplication is not supported: write '*')"
            : "";
}
