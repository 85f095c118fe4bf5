namespace Gym.Scenarios;

/// <summary>One problem found in a scenario file, located at the node that caused it.</summary>
/// <param name="File">The file the offending node came from (with <c>extends</c>, possibly a base file), as the path was given.</param>
/// <param name="Line">1-based line; 0 when the file itself could not be read.</param>
/// <param name="Column">1-based column; 0 when the file itself could not be read.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Hint">What would be right: the nearest valid key, the allowed values or range; <see langword="null"/> when there is nothing to add.</param>
public sealed record ScenarioError(string File, int Line, int Column, string Message, string? Hint)
{
    /// <summary>The position and text without the file, like <c>12:5: unknown key 'max_turn' in limits; did you mean 'max_turns'?</c>.</summary>
    public string Describe() => $"{Line}:{Column}: {Text}";

    /// <summary>The message and the hint joined by <c>; </c>.</summary>
    public string Text => Hint is null ? Message : $"{Message}; {Hint}";

    /// <summary>Compiler style: <c>scenarios/x.yaml:12:5: error: unknown key 'max_turn' in limits; did you mean 'max_turns'?</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: error: {Text}";
}

/// <summary>The outcome of loading a scenario: the spec when the file is valid, and every error found otherwise.</summary>
/// <param name="Spec">The validated scenario; <see langword="null"/> when there is any error.</param>
/// <param name="Errors">All errors of the file and its bases, ordered by file (the loaded file first) then position.</param>
public sealed record ScenarioLoadResult(ScenarioSpec? Spec, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>Whether the scenario loaded without errors.</summary>
    public bool Succeeded => Spec is not null && Errors.Count == 0;

    /// <summary>Where each value of a valid scenario was written, by YAML path (<c>tools[1]</c>, <c>operators[0]</c>, <c>task.dataset</c>), so that problems found when the scenario is built are located too.</summary>
    public IReadOnlyDictionary<string, ScenarioLocation> Locations { get; init; } = NoLocations;

    /// <summary>An empty location table.</summary>
    public static IReadOnlyDictionary<string, ScenarioLocation> NoLocations { get; } = new Dictionary<string, ScenarioLocation>(StringComparer.Ordinal);

    /// <summary>Errors found past <see cref="ScenarioLimits.MaxErrors"/> and left out of <see cref="Errors"/>.</summary>
    public int Omitted { get; init; }

    /// <summary>The line that stands for the omitted errors, like <c>… and 399900 more errors</c>; null when none was left out.</summary>
    public string? OmittedLine => Omitted == 0 ? null : DescribeOmitted(Omitted);

    /// <summary>The line that stands for <paramref name="omitted"/> errors left out of a report.</summary>
    public static string DescribeOmitted(int omitted) => omitted == 1 ? "… and 1 more error" : $"… and {omitted} more errors";
}

/// <summary>Where a value was written: the file (as its path was given) and the 1-based line and column.</summary>
/// <param name="File">The file, as its path was given (with <c>extends</c>, possibly a base file).</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public sealed record ScenarioLocation(string File, int Line, int Column)
{
    /// <summary><c>file:line:column</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";
}
