namespace Gym.Scenarios.Yaml;

/// <summary>Collects errors so that one load reports every problem of every file, not just the first.</summary>
internal sealed class ErrorSink
{
    private readonly List<ScenarioError> _errors = [];

    public IReadOnlyList<ScenarioError> Errors => _errors;

    public int Count => _errors.Count;

    public void Add(SourceMark mark, string message, string? hint) =>
        _errors.Add(new ScenarioError(mark.File.DisplayPath, mark.Line, mark.Column, message, hint));

    public void Add(SourceNode node, string message, string? hint) => Add(node.Mark, message, hint);

    public void Add(SourceFile file, int line, int column, string message, string? hint) =>
        _errors.Add(new ScenarioError(file.DisplayPath, line, column, message, hint));
}
