using System.Globalization;
using Gym.Core.Datasets;

namespace Gym.Core.Registry;

/// <summary>A parameter was missing, malformed, out of range or unknown.</summary>
public sealed class EnvironmentParameterException(string message) : Exception(message), IUserError;

/// <summary>
/// Named string parameters for creating an environment (from <c>--param key=value</c> or YAML),
/// with typed, range-checked getters. Tracks which keys were read so that a misspelled key is an
/// error instead of being silently ignored.
/// </summary>
public sealed class EnvironmentParameters
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>
    /// Reserved parameter the rollout runtime gives every environment and expert it makes: the run seed, from
    /// which episode seeds derive (ordered datasets recover an episode's index with it). Keys starting
    /// <c>gym.</c> are never unknown parameters.
    /// </summary>
    public const string RunSeedKey = "gym.run_seed";

    /// <summary>The run seed, when the runtime gave it (<see cref="RunSeedKey"/>).</summary>
    public long? RunSeed =>
        _values.TryGetValue(RunSeedKey, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// Reads a dataset order parameter (<c>sample</c>, <c>sequential</c>, <c>shuffled</c>; default <c>sample</c>)
    /// with the runtime's run seed, which ordered datasets need to recover an episode's index.
    /// </summary>
    public DatasetPosition GetDatasetPosition(string key = "order")
    {
        var text = GetString(key, "sample");
        return new DatasetPosition(
            DatasetPosition.Parse(text) ?? throw new EnvironmentParameterException($"parameter '{key}' must be sample, sequential or shuffled (got '{text}')"),
            RunSeed);
    }

    /// <summary>A copy of <paramref name="values"/> with the reserved <see cref="RunSeedKey"/> set to <paramref name="runSeed"/>.</summary>
    public static Dictionary<string, string> WithRunSeed(IReadOnlyDictionary<string, string> values, long runSeed)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Dictionary<string, string>(values, StringComparer.Ordinal) { [RunSeedKey] = runSeed.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>No parameters: every getter returns its default.</summary>
    public static EnvironmentParameters None => new(new Dictionary<string, string>());

    /// <summary>Creates parameters from key/value pairs.</summary>
    public EnvironmentParameters(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = new Dictionary<string, string>(values, StringComparer.Ordinal);
    }

    /// <summary>Parses <c>key=value</c> strings.</summary>
    public static EnvironmentParameters Parse(IEnumerable<string> pairs) => new(ParsePairs(pairs));

    /// <summary>Parses <c>key=value</c> strings into a dictionary (later keys win); <paramref name="source"/> names them in errors.</summary>
    public static Dictionary<string, string> ParsePairs(IEnumerable<string> pairs, string source = "parameter")
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new EnvironmentParameterException($"{source} '{pair}' must look like key=value");
            }

            values[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        return values;
    }

    /// <summary>All keys given.</summary>
    public IReadOnlyCollection<string> Keys => _values.Keys;

    /// <summary>A text parameter, as given.</summary>
    public string GetString(string key, string fallback) => TryRead(key, out var text) ? text : fallback;

    /// <summary>An integer parameter in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int GetInt(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryRead(key, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new EnvironmentParameterException($"parameter '{key}' must be a whole number (got '{text}')");
        }

        return value < min || value > max
            ? throw new EnvironmentParameterException($"parameter '{key}' must be between {min} and {max} (got {value})")
            : value;
    }

    /// <summary>A floating-point parameter in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double GetDouble(string key, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        if (!TryRead(key, out var text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new EnvironmentParameterException($"parameter '{key}' must be a number (got '{text}')");
        }

        return value < min || value > max
            ? throw new EnvironmentParameterException($"parameter '{key}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)} (got {text})")
            : value;
    }

    /// <summary>An enum parameter, matched case-insensitively, ignoring '-' and '_'.</summary>
    public TEnum GetEnum<TEnum>(string key, TEnum fallback)
        where TEnum : struct, Enum
    {
        if (!TryRead(key, out var text))
        {
            return fallback;
        }

        var wanted = Normalize(text);
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (Normalize(value.ToString()) == wanted)
            {
                return value;
            }
        }

        var allowed = string.Join(", ", Enum.GetNames<TEnum>().Select(n => ToKebab(n)));
        throw new EnvironmentParameterException($"parameter '{key}' must be one of {allowed} (got '{text}')");
    }

    /// <summary>Throws when a key was given that no getter read, naming the known keys.</summary>
    public void EnsureAllUsed(string environmentId, IEnumerable<string> knownKeys)
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k) && !k.StartsWith("gym.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new EnvironmentParameterException(
                $"unknown parameter '{unknown[0]}' for {environmentId} (known: {string.Join(", ", knownKeys)})");
        }
    }

    /// <summary>Lower-case kebab form of a PascalCase name.</summary>
    public static string ToKebab(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    private bool TryRead(string key, out string value)
    {
        _read.Add(key);
        return _values.TryGetValue(key, out value!);
    }

    private static string Normalize(string text) => text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
