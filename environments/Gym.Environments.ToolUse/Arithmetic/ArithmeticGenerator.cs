using System.Globalization;
using System.Text;
using Gym.Core.Seeding;

namespace Gym.Environments.ToolUse.Arithmetic;

/// <summary>
/// Generates arithmetic word problems from a seed: a starting quantity changed by a chain of
/// operations (each one calculator call), with optional distractor sentences whose numbers are
/// irrelevant. Divisions are always exact and values never go negative, so the answer is a whole number.
/// A pure function of (seed, options): the expert policy regenerates the same problem to plan.
/// </summary>
public static class ArithmeticGenerator
{
    private static readonly string[] Places = ["warehouse", "library", "bakery", "harbor", "school", "orchard", "factory", "museum"];
    private static readonly string[] Items = ["boxes", "books", "loaves", "crates", "pencils", "apples", "bolts", "tickets"];
    private static readonly string[] Names = ["Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana"];

    // Items without the one at each index, in order: what a distractor picks from, made once.
    private static readonly string[][] OtherItems = [.. Items.Select(item => Items.Where(i => i != item).ToArray())];

    /// <summary>Largest running value; keeps every intermediate exact in the calculator's decimal arithmetic.</summary>
    public const long MaxValue = 1_000_000_000_000L;

    /// <summary>Generates the problem for <paramref name="seed"/>.</summary>
    /// <remarks>
    /// Both wordings draw the same random numbers, so one seed gives the same arithmetic (operands,
    /// operators, distractor numbers, answer) as a story and as an expression.
    /// </remarks>
    public static ArithmeticProblem Generate(long seed, int digits, int operations, int distractors, ProblemWording wording = ProblemWording.Story)
    {
        var rng = SeededRandom.ForStream(seed, "arithmetic/problem");
        var place = rng.Pick(Places);
        var item = rng.Pick(Items);
        var start = Operand(rng, digits);
        var steps = new List<SolutionStep>(operations);
        var current = start;
        for (var i = 0; i < operations; i++)
        {
            var step = NextStep(rng, current, digits);
            steps.Add(step);
            current = step.Result;
        }

        var sentences = new List<string>(1 + operations + distractors) { Opening(rng, place, item, start) };
        foreach (var step in steps)
        {
            sentences.Add(Sentence(rng, step, item));
        }

        var distractorNumbers = new List<long>();
        var distractorRng = SeededRandom.ForStream(seed, "arithmetic/distractors");
        for (var i = 0; i < distractors; i++)
        {
            var number = Operand(distractorRng, Math.Max(2, digits));
            distractorNumbers.Add(number);
            // Never before the opening sentence, so the starting quantity stays first.
            sentences.Insert(1 + distractorRng.Next(sentences.Count), Distractor(distractorRng, place, item, number));
        }

        var text = wording == ProblemWording.Expression
            ? ExpressionText(start, steps, distractorNumbers)
            : StoryText(sentences, item, place);
        return new ArithmeticProblem(text, start, steps, distractorNumbers);
    }

    private static string StoryText(List<string> sentences, string item, string place)
    {
        var text = new StringBuilder();
        text.AppendJoin(' ', sentences);
        text.Append(CultureInfo.InvariantCulture, $" How many {item} are in the {place} at the end? Use the calculator for every operation and answer with the number only.");
        return text.ToString();
    }

    // "Compute (7 - 3) * 2.": the steps nest left to right, so the plan's calls are its subexpressions.
    private static string ExpressionText(long start, List<SolutionStep> steps, List<long> distractorNumbers)
    {
        var expression = N(start);
        for (var i = 0; i < steps.Count; i++)
        {
            var left = i == 0 ? expression : $"({expression})";
            expression = $"{left} {SolutionStep.Symbol(steps[i].Operator)} {N(steps[i].Right)}";
        }

        var text = new StringBuilder();
        foreach (var number in distractorNumbers)
        {
            text.Append(CultureInfo.InvariantCulture, $"({N(number)} is not used.) ");
        }

        return text.Append(CultureInfo.InvariantCulture, $"Compute {expression}.").ToString();
    }

    private static long Operand(SeededRandom rng, int digits)
    {
        var low = digits == 1 ? 1 : Pow10(digits - 1);
        return rng.NextInt64(low, Pow10(digits));
    }

    private static SolutionStep NextStep(SeededRandom rng, long current, int digits)
    {
        Span<int> divisors = stackalloc int[11];
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var op = (ArithmeticOperator)rng.Next(4);
            switch (op)
            {
                case ArithmeticOperator.Add:
                    var addend = Operand(rng, digits);
                    if (current + addend <= MaxValue)
                    {
                        return new(current, op, addend, current + addend);
                    }

                    break;
                case ArithmeticOperator.Subtract when current > 1:
                    var subtrahend = rng.NextInt64(1, Math.Min(current, Pow10(digits)));
                    return new(current, op, subtrahend, current - subtrahend);
                case ArithmeticOperator.Multiply:
                    var factor = rng.NextInt64(2, 13);
                    if (current * factor <= MaxValue)
                    {
                        return new(current, op, factor, current * factor);
                    }

                    break;
                case ArithmeticOperator.Divide:
                    // The divisors 2..12 of the current value, in order, picked uniformly as rng.Pick would: no list per draw.
                    var count = 0;
                    for (var d = 2; d <= 12; d++)
                    {
                        if (current % d == 0)
                        {
                            divisors[count++] = d;
                        }
                    }

                    if (count > 0)
                    {
                        var divisor = divisors[rng.Next(count)];
                        return new(current, op, divisor, current / divisor);
                    }

                    break;
            }
        }

        // Addition of a small number always fits: MaxValue leaves room far beyond any start value.
        var fallback = rng.NextInt64(1, 10);
        return new(current, ArithmeticOperator.Add, fallback, current + fallback);
    }

    private static string Opening(SeededRandom rng, string place, string item, long start) => rng.Next(2) == 0
        ? $"A {place} holds {N(start)} {item}."
        : $"At the start of the day, the {place} has {N(start)} {item}.";

    private static string Sentence(SeededRandom rng, SolutionStep step, string item)
    {
        var who = rng.Pick(Names);
        return step.Operator switch
        {
            ArithmeticOperator.Add => rng.Next(2) == 0 ? $"Then {N(step.Right)} more {item} arrive." : $"{who} brings {N(step.Right)} more {item}.",
            ArithmeticOperator.Subtract => rng.Next(2) == 0 ? $"Then {N(step.Right)} {item} are sent away." : $"{who} takes {N(step.Right)} {item} away.",
            ArithmeticOperator.Multiply => $"Then the number of {item} becomes {N(step.Right)} times as large.",
            _ => $"Then the {item} are split evenly into {N(step.Right)} groups and only one group stays.",
        };
    }

    private static string Distractor(SeededRandom rng, string place, string item, long number)
    {
        var otherItem = rng.Pick(OtherItems[Array.IndexOf(Items, item)]);
        return rng.Next(3) switch
        {
            0 => $"(A {place} across the street has {N(number)} {otherItem}, which does not matter here.)",
            1 => $"{rng.Pick(Names)} once counted {N(number)} {otherItem} somewhere else.",
            _ => $"The {place} was founded {N(number)} days ago.",
        };
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static long Pow10(int exponent)
    {
        var value = 1L;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }
}
