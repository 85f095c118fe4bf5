using Gym.Core.Policies;

namespace Gym.Learning.Policy;

/// <summary>
/// Presents every request to <paramref name="inner"/> as attempt <paramref name="attempt"/> at its task.
/// A group of episodes on the same seed (GRPO's G samples of one prompt) needs distinct attempts, or a
/// seeded policy would play the same episode G times; runners that play one episode at a time
/// (<see cref="Gym.Core.Trajectories.EpisodeRunner"/>) do not set the attempt themselves.
/// </summary>
/// <param name="inner">The acting policy.</param>
/// <param name="attempt">The attempt index (0 or more).</param>
public sealed class AttemptPolicy(IPolicy inner, int attempt) : IPolicy
{
    private readonly IPolicy _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The attempt index given to every request.</summary>
    public int Attempt { get; } = attempt >= 0 ? attempt : throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "attempts count from 0");

    /// <inheritdoc />
    public string Id => _inner.Id;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Core.AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return _inner.ActAsync([.. requests.Select(r => r with { Attempt = Attempt })], cancellationToken);
    }
}
