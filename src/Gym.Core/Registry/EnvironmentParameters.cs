using System.Globalization;

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
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).Order(StringComparer.Ordinal).ToList();
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
