using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Trajectories;

namespace Gym.Runtime.Rollouts;

/// <summary>
/// An <see cref="IRolloutCollector"/> over the actor runtime: each batch is one rollout run of
/// <see cref="RolloutRunner"/>, so every episode is an episode actor and the policy gateway batches their
/// turns into policy calls (one generation on the model's device for a <c>TorchPolicy</c>).
/// </summary>
/// <param name="runner">The runtime's edge service.</param>
/// <param name="environmentId">A registered environment or scenario id.</param>
/// <param name="parameters">Environment parameters.</param>
/// <param name="concurrency">Most episodes live at once (a batch larger than this plays in waves).</param>
/// <param name="tokenizer">Counts recorded context tokens (<see cref="TokenCounters.Create"/>).</param>
public sealed class ActorRolloutCollector(
    RolloutRunner runner,
    string environmentId,
    IReadOnlyDictionary<string, string> parameters,
    int concurrency = 256,
    string tokenizer = TokenCounters.DefaultName) : IRolloutCollector
{
    private readonly RolloutRunner _runner = runner ?? throw new ArgumentNullException(nameof(runner));
    private readonly IReadOnlyDictionary<string, string> _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
    private readonly int _concurrency = concurrency >= 1 ? concurrency : throw new ArgumentOutOfRangeException(nameof(concurrency), concurrency, "at least one episode must be live");

    /// <inheritdoc />
    public async Task<IReadOnlyList<EpisodeRecord>> CollectAsync(RolloutRequest request, IPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        request.Validate();
        var plan = new RolloutPlan(
            environmentId,
            _parameters,
            request.Episodes,
            Math.Min(_concurrency, request.Episodes),
            request.Seed,
            request.GroupSize,
            Memory: request.Memory,
            Tokenizer: tokenizer);
        var sink = new InMemoryTrajectorySink();
        var result = await _runner.RunAsync(plan, policy, sink, progress: null, cancellationToken).ConfigureAwait(false);
        if (result.WasCancelled)
        {
            throw new OperationCanceledException("the rollout batch was cancelled", cancellationToken);
        }

        return sink.Snapshot();
    }
}
