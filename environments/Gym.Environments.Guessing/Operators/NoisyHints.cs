using System.Globalization;
using Gym.Core;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Seeding;
using Gym.Environments.Guessing.SecretNumber;

namespace Gym.Environments.Guessing.Operators;

/// <summary>An operator applied to a task it cannot wrap (a user error in a scenario).</summary>
public sealed class GuessingOperatorException(string message) : Exception(message), IUserError;

/// <summary>
/// Wraps a source of guessing tasks so that each answered hint swaps <c>higher</c> and <c>lower</c>
/// with probability <see cref="FlipRate"/> (<c>correct</c> stays). The flips are drawn in call order
/// from <c>ForStream(seed, "guessing/noisy-hints")</c>, so an episode's noise is a function of its
/// seed and the hints asked. The scenario operator <c>with-noisy-hints</c>.
/// </summary>
public sealed class NoisyHints : ITaskSource
{
    /// <summary>The operator's kind in scenarios.</summary>
    public const string Kind = "with-noisy-hints";

    private readonly ITaskSource _inner;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="flipRate"/> is in [0, 1].</summary>
    public NoisyHints(ITaskSource inner, double flipRate)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!double.IsFinite(flipRate) || flipRate < 0 || flipRate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(flipRate), flipRate, "the flip rate must be between 0 and 1");
        }

        _inner = inner;
        FlipRate = flipRate;
    }

    /// <summary>The probability that a hint is swapped.</summary>
    public double FlipRate { get; }

    /// <summary>The operator as a module registers it: parameter <c>flip_rate</c>, a number in [0, 1], default 0.1.</summary>
    public static OperatorKind Operator { get; } = new(
        Kind,
        "Makes the hint tool of a guessing task unreliable: each answered hint swaps higher and lower with probability `flip_rate` (correct is never swapped), seeded per episode.",
        [new OperatorParameter("flip_rate", OperatorParameterType.Number, "Probability that a hint swaps higher and lower.") { Default = "0.1", Minimum = 0, Maximum = 1 }],
        (source, arguments) => new NoisyHints(source, arguments.Number("flip_rate")));

    /// <inheritdoc />
    public ToolEnvironmentSettings Settings => _inner.Settings;

    /// <inheritdoc />
    public EpisodeTask CreateTask(long seed) => _inner.CreateTask(seed) switch
    {
        GuessingTask task => task.WithNoise(SeededRandom.ForStream(seed, "guessing/noisy-hints"), FlipRate),
        var other => throw new GuessingOperatorException(string.Create(CultureInfo.InvariantCulture,
            $"'{Kind}' wraps guessing tasks (with a hint tool) only, not {other.GetType().Name}; use a guessing environment such as {GuessingEnvironments.SecretNumber}")),
    };
}
