using System.Globalization;
using FluentAssertions;
using Gym.Environments.ToolUse.Arithmetic;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

public sealed class ArithmeticGeneratorTests
{
    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Apply(long left, ArithmeticOperator op, long right) => op switch
    {
        ArithmeticOperator.Add => left + right,
        ArithmeticOperator.Subtract => left - right,
        ArithmeticOperator.Multiply => left * right,
        ArithmeticOperator.Divide => left / right,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static IEnumerable<ArithmeticProblem> Problems(int seeds, int digits, int operations, int distractors) =>
        Enumerable.Range(0, seeds).Select(seed => ArithmeticGenerator.Generate(seed, digits, operations, distractors));

    [Fact]
    public void The_same_seed_gives_the_same_problem()
    {
        foreach (var seed in new long[] { 0, 1, -5, 987_654_321, long.MaxValue })
        {
            var first = ArithmeticGenerator.Generate(seed, 4, 5, 2);
            var second = ArithmeticGenerator.Generate(seed, 4, 5, 2);

            second.Text.Should().Be(first.Text);
            second.Start.Should().Be(first.Start);
            second.Steps.Should().Equal(first.Steps);
            second.Distractors.Should().Equal(first.Distractors);
        }
    }

    [Fact]
    public void Different_seeds_give_different_problems()
    {
        Problems(200, 3, 3, 1).Select(p => p.Text).Distinct().Should().HaveCount(200);
    }

    [Fact]
    public void The_solution_does_not_depend_on_the_number_of_distractors()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var plain = ArithmeticGenerator.Generate(seed, 3, 4, 0);
            var noisy = ArithmeticGenerator.Generate(seed, 3, 4, 3);

            noisy.Steps.Should().Equal(plain.Steps, "distractors come from their own random stream");
            noisy.Text.Should().StartWith(plain.Text[..plain.Text.IndexOf('.', StringComparison.Ordinal)], "the opening sentence stays first");
        }
    }

    [Fact]
    public void The_expression_wording_states_the_same_arithmetic_as_the_story()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var story = ArithmeticGenerator.Generate(seed, 2, 3, 2);
            var expression = ArithmeticGenerator.Generate(seed, 2, 3, 2, ProblemWording.Expression);

            expression.Start.Should().Be(story.Start, "both wordings draw the same numbers");
            expression.Steps.Should().Equal(story.Steps);
            expression.Distractors.Should().Equal(story.Distractors);
            var (a, b, c) = (story.Steps[0], story.Steps[1], story.Steps[2]);
            var nested = $"(({N(story.Start)} {SolutionStep.Symbol(a.Operator)} {N(a.Right)}) {SolutionStep.Symbol(b.Operator)} {N(b.Right)}) {SolutionStep.Symbol(c.Operator)} {N(c.Right)}";
            expression.Text.Should().Be($"({N(story.Distractors[0])} is not used.) ({N(story.Distractors[1])} is not used.) Compute {nested}.");
        }
    }

    [Fact]
    public void One_operation_in_the_expression_wording_is_a_plain_calculator_expression()
    {
        var problem = ArithmeticGenerator.Generate(5, 1, 1, 0, ProblemWording.Expression);

        problem.Text.Should().Be($"Compute {problem.Steps[0].Expression}.", "the plan's one call is the problem itself");
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 3, 1)]
    [InlineData(4, 4, 2)]
    [InlineData(5, 6, 3)]
    [InlineData(9, 8, 6)]
    public void Honours_the_operation_and_distractor_counts(int digits, int operations, int distractors)
    {
        foreach (var problem in Problems(100, digits, operations, distractors))
        {
            problem.Steps.Should().HaveCount(operations);
            problem.Distractors.Should().HaveCount(distractors);
        }
    }

    [Fact]
    public void Every_division_is_exact_and_no_value_is_negative()
    {
        var divisions = 0;
        foreach (var problem in Problems(1000, 4, 6, 2))
        {
            problem.Start.Should().BePositive();
            foreach (var step in problem.Steps)
            {
                step.Left.Should().BePositive();
                step.Right.Should().BePositive();
                step.Result.Should().BePositive();
                if (step.Operator == ArithmeticOperator.Divide)
                {
                    divisions++;
                    (step.Left % step.Right).Should().Be(0, $"{step.Expression} must divide exactly");
                    step.Right.Should().BeInRange(2, 12);
                }
            }
        }

        divisions.Should().BeGreaterThan(100, "divisions should be common enough for this check to mean something");
    }

    [Fact]
    public void The_answer_equals_replaying_the_steps_from_the_start()
    {
        foreach (var problem in Problems(1000, 3, 5, 1))
        {
            var value = problem.Start;
            foreach (var step in problem.Steps)
            {
                step.Left.Should().Be(value, "each step starts from the previous result");
                value = Apply(value, step.Operator, step.Right);
                step.Result.Should().Be(value);
            }

            problem.Answer.Should().Be(value);
        }
    }

    [Fact]
    public void The_starting_number_has_the_requested_digits_and_operands_stay_small()
    {
        foreach (var digits in new[] { 1, 2, 5, 9 })
        {
            foreach (var problem in Problems(200, digits, 4, 0))
            {
                N(problem.Start).Length.Should().Be(digits);
                foreach (var step in problem.Steps)
                {
                    var bound = step.Operator is ArithmeticOperator.Multiply or ArithmeticOperator.Divide ? 13 : Math.Max(10, (long)Math.Pow(10, digits));
                    step.Right.Should().BeLessThan(bound, step.Expression);
                }
            }
        }
    }

    [Fact]
    public void The_text_states_the_start_every_operand_and_every_distractor()
    {
        foreach (var problem in Problems(300, 4, 4, 3))
        {
            problem.Text.Should().Contain(N(problem.Start));
            foreach (var step in problem.Steps)
            {
                problem.Text.Should().Contain(N(step.Right));
            }

            foreach (var distractor in problem.Distractors)
            {
                distractor.Should().BeGreaterThanOrEqualTo(10, "distractors have at least two digits");
                problem.Text.Should().Contain(N(distractor));
            }

            problem.Text.Should().EndWith("Use the calculator for every operation and answer with the number only.");
        }
    }

    [Fact]
    public void All_values_stay_within_MaxValue_across_2000_seeds_at_difficulty_5()
    {
        var largest = 0L;
        foreach (var problem in Problems(2000, 5, 6, 3))
        {
            foreach (var step in problem.Steps)
            {
                step.Left.Should().BeLessThanOrEqualTo(ArithmeticGenerator.MaxValue);
                step.Result.Should().BeLessThanOrEqualTo(ArithmeticGenerator.MaxValue);
                largest = Math.Max(largest, step.Result);
            }
        }

        largest.Should().BeGreaterThan(1_000_000, "difficulty 5 should reach large values");
    }

    [Fact]
    public void The_largest_parameters_stay_within_MaxValue_too()
    {
        foreach (var problem in Problems(2000, 9, 8, 0))
        {
            problem.Steps.Should().OnlyContain(s => s.Result <= ArithmeticGenerator.MaxValue && s.Result > 0);
        }
    }

    [Fact]
    public void Expressions_use_the_calculator_syntax()
    {
        new SolutionStep(4512, ArithmeticOperator.Add, 317, 4829).Expression.Should().Be("4512 + 317");
        new SolutionStep(10, ArithmeticOperator.Subtract, 3, 7).Expression.Should().Be("10 - 3");
        new SolutionStep(10, ArithmeticOperator.Multiply, 3, 30).Expression.Should().Be("10 * 3");
        new SolutionStep(12, ArithmeticOperator.Divide, 4, 3).Expression.Should().Be("12 / 4");
    }
}
