namespace Gym.Scenarios.Yaml;

/// <summary>
/// Collects errors so that one load reports every problem of every file, not just the first, up to a cap: a file of
/// 400,000 unknown keys must not print 400,000 lines, so errors past the cap are only counted.
/// </summary>
internal sealed class ErrorSink(int maxErrors = int.MaxValue)
{
    private readonly List<ScenarioError> _errors = [];

    public IReadOnlyList<ScenarioError> Errors => _errors;

    /// <summary>Every error found, kept or not.</summary>
    public int Count => _errors.Count + Omitted;

    /// <summary>Errors found past the cap and not kept.</summary>
    public int Omitted { get; private set; }

    public void Add(SourceMark mark, string message, string? hint) => Add(new ScenarioError(mark.File.DisplayPath, mark.Line, mark.Column, message, hint));

    public void Add(SourceNode node, string message, string? hint) => Add(node.Mark, message, hint);

    public void Add(SourceFile file, int line, int column, string message, string? hint) => Add(new ScenarioError(file.DisplayPath, line, column, message, hint));

    private void Add(ScenarioError error)
    {
        if (_errors.Count < maxErrors)
        {
            _errors.Add(error);
        }
        else
        {
            Omitted++;
        }
    }
}
