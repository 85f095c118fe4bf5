using Gym.Core.Seeding;

namespace Gym.Learning.Training;

/// <summary>
/// The seed streams of a training run, all derived from the run seed, so that <c>gym sft</c> and
/// <c>gym train</c> with the same <c>--seed</c> evaluate on the same held-out tasks and never train on them.
/// </summary>
public static class TrainingSeeds
{
    /// <summary>The batch seed of RL iteration <paramref name="iteration"/>.</summary>
    public static long Iteration(long runSeed, int iteration) => SeededRandom.Derive(runSeed, "train", iteration);

    /// <summary>The batch seed of the expert demonstrations an SFT warm start collects.</summary>
    public static long Demonstrations(long runSeed) => SeededRandom.Derive(runSeed, "sft");

    /// <summary>The batch seed of the held-out evaluation tasks.</summary>
    public static long Evaluation(long runSeed) => SeededRandom.Derive(runSeed, "eval");
}
