namespace Gym.Environments.ToolUse.Calculator;

// The parsed expression. Parsing completes before any arithmetic so that a syntax error anywhere
// is reported ahead of, say, a division by zero to its left.
internal abstract record Node(int Column)
{
    public abstract decimal Evaluate();
}

internal sealed record NumberNode(decimal Value, int Column) : Node(Column)
{
    public override decimal Evaluate() => Value;
}

// Negation cannot overflow: decimal's range is symmetric.
internal sealed record NegateNode(Node Operand, int Column) : Node(Column)
{
    public override decimal Evaluate() => -Operand.Evaluate();
}

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Power,
}

// Column is the operator's, which is where arithmetic errors are reported.
internal sealed record BinaryNode(BinaryOperator Operator, Node Left, Node Right, int Column) : Node(Column)
{
    public override decimal Evaluate()
    {
        var left = Left.Evaluate();
        var right = Right.Evaluate();
        try
        {
            return Operator switch
            {
                BinaryOperator.Add => left + right,
                BinaryOperator.Subtract => left - right,
                BinaryOperator.Multiply => left * right,
                BinaryOperator.Divide => right == 0m ? throw DivisionByZero() : left / right,
                // Truncated remainder, as in C#: the sign follows the dividend (-7 % 3 = -1).
                BinaryOperator.Remainder => right == 0m ? throw DivisionByZero() : left % right,
                BinaryOperator.Power => DecimalMath.Power(left, right, Column),
                _ => throw new InvalidOperationException($"Unhandled operator {Operator}."),
            };
        }
        catch (OverflowException)
        {
            throw new CalculationException(CalculatorErrors.Overflow(Column));
        }
    }

    private CalculationException DivisionByZero() => new(CalculatorErrors.DivisionByZero(Column));
}

// Column is the function name's.
internal sealed record CallNode(CalculatorFunction Function, IReadOnlyList<Node> Arguments, int Column) : Node(Column)
{
    public override decimal Evaluate()
    {
        var values = new decimal[Arguments.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Arguments[i].Evaluate();
        }

        return Function.Apply(values, Column);
    }
}
