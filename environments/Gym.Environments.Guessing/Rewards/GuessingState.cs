using Gym.Core.Rewards;
using Gym.Environments.Guessing.SecretNumber;

namespace Gym.Environments.Guessing.Rewards;

/// <summary>
/// The guessing module's episode state, read from the structured data of answered hints
/// (<see cref="HintData"/>): <c>hints</c>, <c>bits_gained</c> and <c>found</c>. Milestone conditions
/// and shaping potentials may name these keys; <c>search_efficiency</c> reads its tracker.
/// </summary>
public sealed class GuessingState : IEpisodeStateProvider
{
    /// <summary>The provider; stateless, so one serves every registry.</summary>
    public static GuessingState Provider { get; } = new();

    private GuessingState()
    {
    }

    /// <inheritdoc />
    public string Name => "guessing";

    /// <inheritdoc />
    public IReadOnlyList<StateKey> Keys { get; } =
    [
        new("hints", "Hint calls answered (calls the hint tool rejected do not count)."),
        new("bits_gained", "log2(max / w), w the width (at least 1) of the range the hints so far leave open; 0 before the first hint."),
        new("found", "1 once a hint answered correct, else 0."),
    ];

    /// <inheritdoc />
    public IEpisodeStateTracker Begin(TaskReference reference) => new GuessingStateTracker();
}

/// <summary>One episode's <see cref="GuessingState"/>.</summary>
public sealed class GuessingStateTracker : IEpisodeStateTracker
{
    private long _low = 1;
    private long _high = long.MaxValue;

    /// <summary>Hint calls answered so far.</summary>
    public int Hints { get; private set; }

    /// <summary>The upper bound of the range, from the first answered hint; 0 before it.</summary>
    public int Max { get; private set; }

    /// <summary>Whether a hint answered correct.</summary>
    public bool Found { get; private set; }

    /// <summary>The width of the range the answers so far leave open (at least 1); <see cref="Max"/> before any, 0 when unknown.</summary>
    public long Width => Max == 0 ? 0 : Math.Max(1, Math.Min(_high, Max) - _low + 1);

    /// <inheritdoc />
    public void Apply(TurnEvent turn, StageReference stage, IDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var invocation in turn.Invocations)
        {
            if (HintData.Of(invocation) is not { } hint)
            {
                continue;
            }

            Hints++;
            Max = hint.Max;
            switch (hint.Answer)
            {
                case HintTool.Correct:
                    Found = true;
                    (_low, _high) = (hint.Guess, hint.Guess);
                    break;
                case HintTool.Higher:
                    _low = Math.Max(_low, hint.Guess + 1);
                    break;
                case HintTool.Lower:
                    _high = Math.Min(_high, hint.Guess - 1);
                    break;
            }
        }

        values["hints"] = Hints;
        values["bits_gained"] = Max == 0 ? 0 : Math.Log2((double)Max / Width);
        values["found"] = Found ? 1 : 0;
    }
}
