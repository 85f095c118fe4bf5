using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Gym.Learning.Policy;

namespace Gym.Learning.Training;

/// <summary>
/// An in-process <see cref="IRolloutCollector"/> that plays a batch's episodes one after another with
/// <see cref="EpisodeRunner"/>: no actors, no batching across episodes. For tests and small scripts; the
/// CLI collects through the actor runtime, whose gateway batches many episodes into one generation.
/// </summary>
/// <param name="createEnvironment">Makes a fresh environment (one per episode), which the collector disposes after the episode.</param>
/// <param name="tokenCounter">Counts recorded context tokens; null for the default counter.</param>
public sealed class SequentialRolloutCollector(Func<IEnvironment> createEnvironment, ITokenCounter? tokenCounter = null) : IRolloutCollector
{
    private readonly Func<IEnvironment> _createEnvironment = createEnvironment ?? throw new ArgumentNullException(nameof(createEnvironment));

    /// <inheritdoc />
    public async Task<IReadOnlyList<EpisodeRecord>> CollectAsync(RolloutRequest request, IPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        request.Validate();
        var context = ContextPolicy.Create(request.Memory);
        var episodes = new List<EpisodeRecord>(request.Episodes);
        for (var task = 0; task < request.Tasks; task++)
        {
            var seed = request.SeedOf(task);
            for (var attempt = 0; attempt < request.GroupSize; attempt++)
            {
                // Distinct attempts make the G episodes of a task sample distinct streams.
                var actor = new AttemptPolicy(policy, attempt);
                var episode = ((long)task * request.GroupSize) + attempt;
                using var environment = _createEnvironment();
                episodes.Add(await EpisodeRunner.RunAsync(environment, actor, episode, seed, context, tokenCounter, cancellationToken).ConfigureAwait(false));
            }
        }

        return episodes;
    }
}
