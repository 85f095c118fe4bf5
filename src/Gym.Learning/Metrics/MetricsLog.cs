using System.Globalization;

namespace Gym.Learning.Metrics;

/// <summary>
/// Everything a training run reports, in the forms people use: <c>metrics.csv</c> (long format:
/// <c>step,metric,value</c>, one line per value, flushed per step so a stopped run keeps a valid
/// file), a TensorBoard event file, and on request PNG learning curves of chosen metrics.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _csv;
    private readonly TensorBoardWriter _events;
    private readonly Dictionary<string, List<(double Step, double Value)>> _history = new(StringComparer.Ordinal);

    /// <summary>Opens the log in <paramref name="directory"/> (created if needed).</summary>
    public MetricsLog(string directory, Func<double>? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        System.IO.Directory.CreateDirectory(directory);
        Folder = directory;
        _csv = new StreamWriter(Path.Combine(directory, "metrics.csv"), append: false) { NewLine = "\n" };
        _csv.WriteLine("step,metric,value");
        _csv.Flush();
        _events = new TensorBoardWriter(directory, clock);
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>The values recorded for <paramref name="metric"/>, in order.</summary>
    public IReadOnlyList<(double Step, double Value)> History(string metric) =>
        _history.TryGetValue(metric, out var points) ? points : [];

    /// <summary>Records the metrics of one step.</summary>
    public void Record(long step, IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (name.Contains(',', StringComparison.Ordinal) || name.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"metric name '{name}' may not contain a comma or a newline", nameof(values));
            }

            _csv.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step},{name},{value:R}"));
            _events.Scalar(name, step, value);
            if (!_history.TryGetValue(name, out var points))
            {
                _history[name] = points = [];
            }

            points.Add((step, value));
        }

        _csv.Flush();
        _events.Flush();
    }

    /// <summary>Saves a PNG learning curve of <paramref name="metrics"/> (one line each) as <paramref name="fileName"/> in the run folder.</summary>
    public string SaveCurve(string fileName, string title, string yLabel, params string[] metrics) =>
        SaveCurve(fileName, title, yLabel, yRange: null, metrics);

    /// <summary>As <see cref="SaveCurve(string, string, string, string[])"/>, with the y axis fixed to <paramref name="yRange"/> (rates: 0 to 1).</summary>
    public string SaveCurve(string fileName, string title, string yLabel, (double Min, double Max)? yRange, params string[] metrics)
    {
        var path = Path.Combine(Folder, fileName);
        LearningCurve.Save(path, title, yLabel, [.. metrics.Select(m => new CurveSeries(m, History(m)))], yRange);
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _csv.Dispose();
        _events.Dispose();
    }
}
