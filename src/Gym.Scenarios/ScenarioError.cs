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
}
