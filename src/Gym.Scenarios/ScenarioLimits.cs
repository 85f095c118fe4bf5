using System.Globalization;
using Gym.Core.Files;

namespace Gym.Scenarios;

/// <summary>
/// The limits a scenario load works within, so that a small hostile or mistaken file ends in one located error
/// instead of a stack overflow, an out-of-memory or a hang. The defaults fit every real scenario by a wide margin;
/// <see cref="FromEnvironment"/> lets a user raise them without a rebuild.
/// </summary>
/// <param name="MaxDepth">How deeply lists and mappings may nest (the top-level mapping is depth 1).</param>
/// <param name="MaxFileBytes">The size limit of the scenario file and of each file it extends.</param>
/// <param name="MaxErrors">How many errors a load reports; the rest are counted in <see cref="ScenarioLoadResult.Omitted"/>.</param>
public sealed record ScenarioLimits(int MaxDepth, long MaxFileBytes, int MaxErrors)
{
    /// <summary>The environment variable that overrides <see cref="MaxDepth"/>.</summary>
    public const string DepthVariable = "GYM_SCENARIO_MAX_DEPTH";

    /// <summary>The environment variable that overrides <see cref="MaxFileBytes"/>.</summary>
    public const string BytesVariable = "GYM_SCENARIO_MAX_BYTES";

    /// <summary>The environment variable that overrides <see cref="MaxErrors"/>.</summary>
    public const string ErrorsVariable = "GYM_SCENARIO_MAX_ERRORS";

    /// <summary>
    /// The highest depth a user may ask for: the reader recurses once per level, and YamlDotNet's scanner does
    /// work per open level for every token, so depth must stay small for the load to stay fast and on the stack.
    /// </summary>
    public const int DepthCeiling = 1000;

    /// <summary>64 levels, 8 MiB per file, 100 errors.</summary>
    public static ScenarioLimits Default { get; } = new(64, InputFile.DefaultMaxBytes, 100);

    /// <summary>
    /// The defaults, with any of <c>GYM_SCENARIO_MAX_DEPTH</c> (1 to 1000), <c>GYM_SCENARIO_MAX_BYTES</c> (at least 1)
    /// and <c>GYM_SCENARIO_MAX_ERRORS</c> (at least 1) that is set; a value that is not a whole number in range is an error.
    /// </summary>
    /// <exception cref="ScenarioBuildException">A variable is set to a value out of range.</exception>
    public static ScenarioLimits FromEnvironment()
    {
        var limits = Default;
        if (Variable(DepthVariable, 1, DepthCeiling) is { } depth)
        {
            limits = limits with { MaxDepth = (int)depth };
        }

        if (Variable(BytesVariable, 1, long.MaxValue) is { } bytes)
        {
            limits = limits with { MaxFileBytes = bytes };
        }

        if (Variable(ErrorsVariable, 1, int.MaxValue) is { } errors)
        {
            limits = limits with { MaxErrors = (int)errors };
        }

        return limits;
    }

    private static long? Variable(string name, long min, long max)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ScenarioBuildException($"environment variable {name} must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{text}')");
    }
}
