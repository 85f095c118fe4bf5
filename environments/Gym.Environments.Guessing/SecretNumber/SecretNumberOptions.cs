using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Registry;

namespace Gym.Environments.Guessing.SecretNumber;

/// <summary>The knobs of <c>guessing/secret-number-v0</c>.</summary>
/// <param name="Max">The secret is a whole number in [1, Max].</param>
/// <param name="Settings">Turn limit, action format, tool timeout and reward weights.</param>
public sealed record SecretNumberOptions(int Max, ToolEnvironmentSettings Settings)
{
    /// <summary>The default upper bound.</summary>
    public const int DefaultMax = 100;

    /// <summary>The largest upper bound allowed.</summary>
    public const int LargestMax = 1_000_000_000;

    /// <summary>Parameter names and their meaning, for <c>gym list</c> and error hints.</summary>
    public static IReadOnlyDictionary<string, string> ParameterHelp { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["max"] = "2-1000000000: the secret is a whole number in [1, max] (default 100)",
        ["max_turns"] = "1-64: turns before truncation (default ceil(log2 max) + 6)",
        ["format"] = "json-tool-calls | xml-tags: how tool calls are written",
        ["tool_timeout_ms"] = "1-600000: per-call time limit of the hint tool (default 5000)",
    };

    /// <summary>Hint calls binary search needs at most for <paramref name="max"/>: ceil(log2 max).</summary>
    public static int Bits(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var bits = 0;
        for (var reach = 1L; reach < max; reach *= 2)
        {
            bits++;
        }

        return bits;
    }

    /// <summary>Reads options from parameters.</summary>
    public static SecretNumberOptions From(EnvironmentParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var max = parameters.GetInt("max", DefaultMax, 2, LargestMax);
        var settings = new ToolEnvironmentSettings(
            MaxTurns: parameters.GetInt("max_turns", Bits(max) + 6, 1, 64),
            ToolTimeout: TimeSpan.FromMilliseconds(parameters.GetInt("tool_timeout_ms", 5000, 1, 600_000)),
            Format: parameters.GetEnum("format", ActionFormat.JsonToolCalls));
        return new SecretNumberOptions(max, settings);
    }
}
