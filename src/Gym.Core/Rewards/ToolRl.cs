using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Core.Rewards;

/// <summary>
/// The ToolRL turn reward (Qian et al. 2025, "ToolRL: Reward is All Tool Learning Needs"):
/// <c>R = R_format + R_correct</c> with <c>R_format ∈ {0, 1}</c> and <c>R_correct ∈ [−3, 3]</c>, so
/// <c>R ∈ [−3, 4]</c>. Correctness compares the turn's predicted tool calls with the gold calls on
/// three levels: which tools were called, which parameter names were passed, and which values.
/// </summary>
public static class ToolRl
{
    /// <summary>The lowest correctness reward, given to unparseable calls.</summary>
    public const double MinCorrectness = -3;

    /// <summary>The highest correctness reward, given to calls that match the gold calls exactly.</summary>
    public const double MaxCorrectness = 3;

    /// <summary>
    /// Scores one turn's tool calls.
    /// <para>
    /// <c>R_format = formatValid ? 1 : 0</c>. <c>R_correct = 6·score/S_max − 3</c>, where
    /// <c>score = Jaccard(names of predicted, names of gold)</c> plus, for every matched (predicted, gold)
    /// pair, <c>Jaccard(parameter names) + the number of gold parameters whose value the prediction
    /// gives exactly</c>, and <c>S_max = 1 + Σ over gold calls (1 + number of gold parameters)</c>.
    /// Jaccard is over sets, and that of two empty sets is 1. Values are compared as JSON: numbers by
    /// value (1 equals 1.0), objects regardless of key order, arrays in order. Arguments that are not a
    /// JSON object count as no parameters.
    /// </para>
    /// <para>
    /// Predicted calls are paired one-to-one with gold calls of the same name so as to maximize the
    /// summed pair score (<see cref="Assignment.Maximize"/>). The released code paired greedily, gold
    /// call by gold call, which can pay less for the same calls when they are listed in another order.
    /// </para>
    /// </summary>
    /// <param name="formatValid">Whether the turn followed the required output format.</param>
    /// <param name="predicted">The turn's calls, or null when they could not be parsed (R_correct = −3).</param>
    /// <param name="gold">The expected calls.</param>
    public static ToolRlScore Score(bool formatValid, IReadOnlyList<ToolCall>? predicted, IReadOnlyList<ToolCall> gold)
    {
        ArgumentNullException.ThrowIfNull(gold);
        var format = formatValid ? 1.0 : 0.0;
        var goldCalls = Describe(gold, nameof(gold));
        var maxScore = 1.0 + goldCalls.Sum(g => 1.0 + g.Parameters.Count);
        if (predicted is null)
        {
            return new ToolRlScore(format, MinCorrectness, 0, maxScore, []);
        }

        var predictedCalls = Describe(predicted, nameof(predicted));
        var score = Jaccard(
            predictedCalls.Select(c => c.Name).ToHashSet(StringComparer.Ordinal),
            goldCalls.Select(c => c.Name).ToHashSet(StringComparer.Ordinal));

        var weights = new double[predictedCalls.Length, goldCalls.Length];
        for (var p = 0; p < predictedCalls.Length; p++)
        {
            for (var g = 0; g < goldCalls.Length; g++)
            {
                // Pairs across different tools are forbidden; weight 0 lets the assignment use them as
                // filler (all real weights are ≥ 0, so they never displace a real pair) and we drop them.
                weights[p, g] = SameTool(predictedCalls[p], goldCalls[g]) ? PairScore(predictedCalls[p], goldCalls[g]) : 0;
            }
        }

        var assigned = Assignment.Maximize(weights);
        var matches = new List<(int Predicted, int Gold)>();
        for (var p = 0; p < assigned.Length; p++)
        {
            var g = assigned[p];
            if (g >= 0 && SameTool(predictedCalls[p], goldCalls[g]))
            {
                matches.Add((p, g));
                score += weights[p, g];
            }
        }

        matches.Sort((a, b) => a.Gold.CompareTo(b.Gold));
        var correctness = Math.Clamp((6 * score / maxScore) - 3, MinCorrectness, MaxCorrectness);
        return new ToolRlScore(format, correctness, score, maxScore, matches);
    }

    /// <summary>
    /// The score of one (predicted, gold) pair of calls to the same tool: the Jaccard index of their
    /// parameter names plus the number of gold parameters whose value the predicted call gives exactly.
    /// Ranges from 0 to 1 + the number of gold parameters. Exposed so callers can reproduce the
    /// greedy matching of the released code or inspect a pairing.
    /// </summary>
    /// <param name="predicted">A predicted call.</param>
    /// <param name="gold">A gold call.</param>
    public static double PairScore(ToolCall predicted, ToolCall gold)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(gold);
        return PairScore(Describe(predicted), Describe(gold));
    }

    /// <summary>
    /// Whether two JSON values are equal as JSON: numbers by value (1, 1.0 and 1e0 are equal), strings
    /// after unescaping, objects regardless of key order, arrays element by element in order.
    /// </summary>
    /// <param name="a">One value.</param>
    /// <param name="b">The other value.</param>
    public static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Undefined || b.ValueKind == JsonValueKind.Undefined)
        {
            return a.ValueKind == b.ValueKind;
        }

        return JsonElement.DeepEquals(a, b);
    }

    private static double PairScore(CallShape predicted, CallShape gold)
    {
        var score = Jaccard(predicted.Parameters.Keys.ToHashSet(StringComparer.Ordinal), gold.Parameters.Keys.ToHashSet(StringComparer.Ordinal));
        foreach (var (name, goldValue) in gold.Parameters)
        {
            if (predicted.Parameters.TryGetValue(name, out var value) && JsonEquals(value, goldValue))
            {
                score += 1;
            }
        }

        return score;
    }

    private static bool SameTool(CallShape a, CallShape b) => string.Equals(a.Name, b.Name, StringComparison.Ordinal);

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var intersection = a.Count(b.Contains);
        return (double)intersection / (a.Count + b.Count - intersection);
    }

    private static CallShape[] Describe(IReadOnlyList<ToolCall> calls, string name)
    {
        var shapes = new CallShape[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            shapes[i] = calls[i] is { } call ? Describe(call) : throw new ArgumentException($"{name}[{i}] is null.", name);
        }

        return shapes;
    }

    private static CallShape Describe(ToolCall call)
    {
        // Parameter names are a set: with a repeated JSON key the last value wins, as in JavaScript
        // and as JsonElement.TryGetProperty resolves it.
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (call.Arguments.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in call.Arguments.EnumerateObject())
            {
                parameters[property.Name] = property.Value;
            }
        }

        return new CallShape(call.Name ?? string.Empty, parameters);
    }

    private sealed record CallShape(string Name, Dictionary<string, JsonElement> Parameters);
}

/// <summary>The ToolRL reward of one turn, with the parts it is made of.</summary>
/// <param name="Format">R_format: 1 when the turn's format was valid, else 0.</param>
/// <param name="Correctness">R_correct = 6·Score/MaxScore − 3, in [−3, 3]; −3 for unparseable calls.</param>
/// <param name="Score">The raw matching score (name Jaccard plus matched pair scores), in [0, MaxScore].</param>
/// <param name="MaxScore">S_max = 1 + Σ over gold calls (1 + number of gold parameters).</param>
/// <param name="Matches">The (predicted index, gold index) pairs that were matched, ordered by gold index.</param>
public sealed record ToolRlScore(double Format, double Correctness, double Score, double MaxScore, IReadOnlyList<(int Predicted, int Gold)> Matches)
{
    /// <summary>The turn reward R = R_format + R_correct, in [−3, 4].</summary>
    public double Total => Format + Correctness;
}
