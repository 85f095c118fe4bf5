namespace Gym.Core.Policies;

/// <summary>One episode's request for its next action.</summary>
/// <param name="EpisodeId">Identifies the episode within a run.</param>
/// <param name="Seed">The episode's seed; scripted policies derive their own randomness from it.</param>
/// <param name="Turn">The zero-based turn about to be played.</param>
/// <param name="Context">The exact messages the policy sees this turn.</param>
/// <param name="Parameters">
/// The environment parameters this episode plays with, when they differ per episode (a curriculum
/// sets them); scripted experts that regenerate the task from the seed need them.
/// </param>
/// <param name="Attempt">Which attempt at the seed's task this is (0 unless episodes are grouped); scripted policies vary their mistakes by it.</param>
public sealed record PolicyRequest(string EpisodeId, long Seed, int Turn, IReadOnlyList<ChatMessage> Context, IReadOnlyDictionary<string, string>? Parameters = null, int Attempt = 0);

/// <summary>
/// Chooses actions. Always called with a batch, so model-backed policies can generate for many
/// episodes in one forward pass; the runtime's policy gateway forms the batches.
/// Implementations must be safe to call concurrently and deterministic given the requests.
/// </summary>
public interface IPolicy
{
    /// <summary>A stable id recorded in trajectories, e.g. <c>expert:0.1</c>.</summary>
    string Id { get; }

    /// <summary>Returns one action per request, in request order.</summary>
    ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken);
}

/// <summary>A policy named on the command line: a kind and an optional argument (<c>expert:0.1</c>).</summary>
/// <param name="Kind">The policy kind, e.g. <c>expert</c>.</param>
/// <param name="Argument">The text after the colon, if any.</param>
public sealed record PolicySpec(string Kind, string? Argument)
{
    /// <summary>Parses <c>kind[:argument]</c>.</summary>
    public static PolicySpec Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new PolicySpec(text.Trim(), null) : new PolicySpec(text[..colon].Trim(), text[(colon + 1)..].Trim());
    }

    /// <inheritdoc />
    public override string ToString() => Argument is null ? Kind : $"{Kind}:{Argument}";
}

/// <summary>Settings for an environment's expert scripted policy.</summary>
/// <param name="ErrorRate">Probability per turn of a deliberate mistake, in [0, 1].</param>
/// <param name="Seed">Mixed into the per-episode seed so different expert runs can make different mistakes.</param>
public sealed record ExpertSettings(double ErrorRate = 0, long Seed = 0);
