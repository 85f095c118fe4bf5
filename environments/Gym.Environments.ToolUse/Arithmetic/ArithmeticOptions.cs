using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Registry;

namespace Gym.Environments.ToolUse.Arithmetic;

/// <summary>The knobs of the arithmetic task family.</summary>
/// <param name="Digits">Digits of the starting number and of added or subtracted operands (multipliers and divisors stay small).</param>
/// <param name="Operations">Number of operations, each needing one calculator call.</param>
/// <param name="Distractors">Irrelevant sentences with numbers inserted into the problem text.</param>
/// <param name="Settings">Turn limit, action format, tool timeout and reward weights.</param>
/// <param name="Wording">How the problem is written: a word problem, or the bare expression.</param>
public sealed record ArithmeticOptions(int Digits, int Operations, int Distractors, ToolEnvironmentSettings Settings, ProblemWording Wording = ProblemWording.Story)
{
    /// <summary>Parameter names and their meaning, for <c>gym list</c> and error hints.</summary>
    public static IReadOnlyDictionary<string, string> ParameterHelp { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["difficulty"] = "1-5: presets for digits, operations and distractors (default per id)",
        ["digits"] = "1-9: digits of the starting number and of added/subtracted operands",
        ["operations"] = "1-8: operations in the problem, one calculator call each",
        ["distractors"] = "0-6: irrelevant sentences with numbers",
        ["max_turns"] = "1-64: turns before truncation (default operations + 4)",
        ["format"] = "json-tool-calls | xml-tags: how tool calls are written",
        ["wording"] = "story | expression: a word problem (default), or 'Compute 7 - 3.' for tiny models",
        ["tool_timeout_ms"] = "1-600000: per-call calculator time limit (default 5000)",
    };

    /// <summary>Reads options from parameters, starting from the preset for <paramref name="defaultDifficulty"/>.</summary>
    public static ArithmeticOptions From(EnvironmentParameters parameters, int defaultDifficulty)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var difficulty = parameters.GetInt("difficulty", defaultDifficulty, 1, 5);
        var (digits, operations, distractors) = difficulty switch
        {
            1 => (2, 1, 0),
            2 => (2, 2, 1),
            3 => (3, 3, 1),
            4 => (4, 4, 2),
            _ => (5, 6, 3),
        };
        digits = parameters.GetInt("digits", digits, 1, 9);
        operations = parameters.GetInt("operations", operations, 1, 8);
        distractors = parameters.GetInt("distractors", distractors, 0, 6);
        var settings = new ToolEnvironmentSettings(
            MaxTurns: parameters.GetInt("max_turns", operations + 4, 1, 64),
            ToolTimeout: TimeSpan.FromMilliseconds(parameters.GetInt("tool_timeout_ms", 5000, 1, 600_000)),
            Format: parameters.GetEnum("format", ActionFormat.JsonToolCalls));
        return new ArithmeticOptions(digits, operations, distractors, settings, parameters.GetEnum("wording", ProblemWording.Story));
    }
}

/// <summary>How an arithmetic problem is written.</summary>
public enum ProblemWording
{
    /// <summary>A word problem: quantities of items in a place, changed by people and events.</summary>
    Story,

    /// <summary>
    /// The bare expression, e.g. <c>Compute (7 - 3) * 2.</c>: the same arithmetic without the reading,
    /// so tiny models can learn the tool protocol and number copying on a CPU budget.
    /// </summary>
    Expression,
}
