using System.Text.Json.Serialization;

namespace Gym.Core.Rewards;

/// <summary>How per-objective outcome scores combine into the episode outcome.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ObjectiveAggregate>))]
public enum ObjectiveAggregate
{
    /// <summary>The sum of the objectives' scores (MEM1): each component keeps its weight.</summary>
    Sum,
    /// <summary>The mean: each component's weight is divided by K.</summary>
    Mean,
}

/// <summary>
/// How the K answers of a multi-objective episode are joined and named: shared by the
/// multi-objective operator and the answer-match reward component.
/// </summary>
public static class ObjectiveAnswers
{
    /// <summary>The outcome-component prefix of objective <paramref name="index"/> (0-based): <c>objective1</c>, ….</summary>
    public static string Prefix(int index) => $"objective{index + 1}";

    /// <summary>Splits a joined answer into its parts: on the separator's trimmed form (or the separator itself when that is blank), each part trimmed, trailing empty parts dropped.</summary>
    public static IReadOnlyList<string> Split(string answer, string separator)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentException.ThrowIfNullOrEmpty(separator);
        var cut = separator.Trim().Length > 0 ? separator.Trim() : separator;
        var parts = answer.Split(cut).Select(p => p.Trim()).ToList();
        while (parts.Count > 0 && parts[^1].Length == 0)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return parts;
    }
}
