using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Seeding;

namespace Gym.Core.Trajectories;

/// <summary>One batch of episodes a learner asks for: <see cref="Tasks"/> tasks, each played <see cref="GroupSize"/> times.</summary>
/// <param name="Seed">The batch seed; task k's episode seed is <see cref="SeedOf"/>(k), as a rollout run derives it.</param>
/// <param name="Tasks">How many distinct tasks.</param>
/// <param name="GroupSize">Attempts per task (0..G−1); G same-seed episodes form a group, as GRPO and RLOO need.</param>
/// <param name="Memory">What the policy sees each turn.</param>
public sealed record RolloutRequest(long Seed, int Tasks, int GroupSize = 1, MemorySpec Memory = default)
{
    /// <summary>Episodes in the batch: tasks × group size.</summary>
    public int Episodes => Tasks * GroupSize;

    /// <summary>The episode seed of task <paramref name="task"/>: the same derivation as a rollout run's, so a batch replays with <c>gym run</c>.</summary>
    public long SeedOf(long task) => SeededRandom.Derive(Seed, "episode", task);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    /// <returns>This request.</returns>
    public RolloutRequest Validate()
    {
        if (Tasks < 1)
        {
            throw new ArgumentException($"a rollout batch needs at least one task (got {Tasks})");
        }

        if (GroupSize < 1)
        {
            throw new ArgumentException($"group size must be at least 1 (got {GroupSize})");
        }

        Memory.Validate();
        return this;
    }
}

/// <summary>
/// Plays batches of episodes for a learner. The actor runtime implements it with episode actors and the
/// policy gateway (many episodes in flight, their turns batched into one policy call); a plain in-process
/// implementation plays them one by one.
/// </summary>
public interface IRolloutCollector
{
    /// <summary>
    /// Plays every episode of <paramref name="request"/> with <paramref name="policy"/> and returns them in
    /// episode order: task 0's attempts 0..G−1, then task 1's, and so on (episode index = task·G + attempt).
    /// </summary>
    Task<IReadOnlyList<EpisodeRecord>> CollectAsync(RolloutRequest request, IPolicy policy, CancellationToken cancellationToken = default);
}
