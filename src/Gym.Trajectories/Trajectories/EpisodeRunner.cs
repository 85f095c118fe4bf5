using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;

namespace Gym.Core.Trajectories;

/// <summary>
/// Plays one episode by calling the environment and policy directly, with no actors: the
/// reference loop the runtime must agree with, and the baseline for runtime benchmarks.
/// </summary>
public static class EpisodeRunner
{
    /// <summary>Plays an episode to its end with the full history as context, and returns its record.</summary>
    public static Task<EpisodeRecord> RunAsync(IEnvironment environment, IPolicy policy, long episode, long seed, CancellationToken cancellationToken = default) =>
        RunAsync(environment, policy, episode, seed, ContextPolicy.Full, null, cancellationToken);

    /// <summary>Plays an episode to its end with the context policy of <paramref name="memory"/>, and returns its record.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="policy">The acting policy.</param>
    /// <param name="episode">The episode index.</param>
    /// <param name="seed">The episode seed.</param>
    /// <param name="memory">The memory mode.</param>
    /// <param name="tokenizer">A tokenizer name or file for <see cref="TokenCounters.Create"/>.</param>
    /// <param name="cancellationToken">Stops the episode.</param>
    public static Task<EpisodeRecord> RunAsync(IEnvironment environment, IPolicy policy, long episode, long seed, MemorySpec memory, string tokenizer = TokenCounters.DefaultName, CancellationToken cancellationToken = default) =>
        RunAsync(environment, policy, episode, seed, ContextPolicy.Create(memory), TokenCounters.Create(tokenizer), cancellationToken);

    /// <summary>Plays an episode to its end; the policy sees what <paramref name="contextPolicy"/> shows it.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="policy">The acting policy.</param>
    /// <param name="episode">The episode index.</param>
    /// <param name="seed">The episode seed.</param>
    /// <param name="contextPolicy">What the policy sees each turn.</param>
    /// <param name="tokenCounter">Counts context tokens; <see cref="TokenCounters.Default"/> when null.</param>
    /// <param name="cancellationToken">Stops the episode.</param>
    public static async Task<EpisodeRecord> RunAsync(IEnvironment environment, IPolicy policy, long episode, long seed, IContextPolicy contextPolicy, ITokenCounter? tokenCounter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(contextPolicy);
        var recorder = new EpisodeRecorder(episode, environment.Id, seed, policy.Id, contextPolicy, tokenCounter);
        recorder.Reset(await environment.ResetAsync(seed, cancellationToken).ConfigureAwait(false));
        var episodeId = episode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (!recorder.IsDone)
        {
            var request = new PolicyRequest(episodeId, seed, recorder.TurnCount, recorder.Context);
            var actions = await policy.ActAsync([request], cancellationToken).ConfigureAwait(false);
            var action = actions[0];
            recorder.Step(action, await environment.StepAsync(action, cancellationToken).ConfigureAwait(false));
        }

        return recorder.Complete();
    }
}
