using Gym.Core.Episodes;
using Gym.Core.Policies;

namespace Gym.Core.Trajectories;

/// <summary>
/// Plays one episode by calling the environment and policy directly, with no actors: the
/// reference loop the runtime must agree with, and the baseline for runtime benchmarks.
/// </summary>
public static class EpisodeRunner
{
    /// <summary>Plays an episode to its end and returns its record.</summary>
    public static async Task<EpisodeRecord> RunAsync(IEnvironment environment, IPolicy policy, long episode, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(policy);
        var recorder = new EpisodeRecorder(episode, environment.Id, seed, policy.Id);
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
