using Gym.Core.Context;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Training;

namespace Gym.Cli.Training;

/// <summary>Success and reward of a policy on the held-out tasks.</summary>
internal sealed record EvalResult(double SuccessRate, double MeanReward, IReadOnlyList<EpisodeRecord> Episodes);

/// <summary>
/// Plays the held-out tasks of a run (<see cref="TrainingSeeds.Evaluation"/>, never trained on) with the
/// learner's current weights, sampling as in training: the success rate of the stochastic policy that RL
/// optimizes, the same tasks at every evaluation and in <c>gym sft</c> and <c>gym train</c> with one seed.
/// </summary>
/// <remarks>Each evaluation's episodes are kept as <c>OUT/eval/step-N.jsonl</c>, for <c>gym score</c> or a look at what the policy wrote.</remarks>
internal sealed class HeldOutEvaluation(IRolloutCollector collector, PolicySetup setup, SamplingOptions sampling, long runSeed, int tasks, int samples, MemorySpec memory)
{
    public int Tasks => tasks;

    public int Samples => samples;

    /// <summary>Plays the held-out tasks with <paramref name="model"/> and writes the episodes to <paramref name="rolloutFile"/>.</summary>
    public async Task<EvalResult> RunAsync(PolicyModel model, int version, string rolloutFile, CancellationToken cancellationToken)
    {
        var policy = new TorchPolicy(model, setup.Tokenizer, sampling, setup.Name, version, setup.Format);
        var request = new RolloutRequest(TrainingSeeds.Evaluation(runSeed), tasks, samples, memory);
        var episodes = await collector.CollectAsync(request, policy, cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(rolloutFile)!);
        await using (var sink = JsonlTrajectorySink.Create(rolloutFile))
        {
            foreach (var episode in episodes)
            {
                await sink.WriteAsync(episode, CancellationToken.None);
            }

            await sink.CompleteAsync(CancellationToken.None);
        }

        return new EvalResult(episodes.Average(e => e.Success ? 1.0 : 0.0), episodes.Average(e => e.TotalReward), episodes);
    }
}
