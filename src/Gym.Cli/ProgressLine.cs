namespace Gym.Cli;

/// <summary>
/// Progress for short batch work (re-scoring): a line on standard error at every tenth of the
/// total, so it reads the same on a terminal and in a CI log.
/// </summary>
internal sealed class ProgressLine
{
    private readonly string _what;
    private readonly int _total;
    private readonly bool _enabled;
    private int _nextTenth = 1;

    private ProgressLine(string what, int total, bool enabled)
    {
        _what = what;
        _total = total;
        _enabled = enabled && total > 0;
    }

    public static ProgressLine Start(string what, int total, bool enabled) => new(what, total, enabled);

    public void Advance(int done)
    {
        if (_enabled && done * 10 >= _nextTenth * _total)
        {
            _nextTenth = (done * 10 / _total) + 1;
            Console.Error.WriteLine($"{_what} {done}/{_total}");
        }
    }
}
