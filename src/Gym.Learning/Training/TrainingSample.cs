namespace Gym.Learning.Training;

/// <summary>
/// One turn of one episode as a training sequence: the context the policy saw on that turn, rendered by
/// the <see cref="Policy.ChatTemplate"/>, followed by the ids it sampled. Every array has one entry per
/// token of <see cref="InputIds"/>.
/// </summary>
/// <remarks>
/// Each turn is its own sequence, starting at position 0 exactly as at generation: under MEM1 or
/// strip-think the context of a turn is not a prefix of the next one, and a stitched multi-turn sequence
/// would let tokens attend to text they never saw and shift their positions.
/// </remarks>
/// <param name="Episode">The episode's index within its run.</param>
/// <param name="EnvironmentId">The environment that played it.</param>
/// <param name="Seed">The episode's seed (its group, for group-relative advantages).</param>
/// <param name="Turn">The turn this sequence trains.</param>
/// <param name="InputIds">The rendered context, then the sampled action ids (the end-of-turn id included when sampled).</param>
/// <param name="PromptLength">How many of <see cref="InputIds"/> are context; the rest are the action.</param>
/// <param name="Positions">The rotary position of each token: 0..n−1, as at generation.</param>
/// <param name="LossMask">1 on the action tokens, 0 on the context: only what the policy generated trains.</param>
/// <param name="OldLogProbs">The log-probability each token had when sampled (0 on the context).</param>
/// <param name="TokenRewards">The turn's reward on its last action token, 0 elsewhere.</param>
/// <param name="Reward">The turn's reward.</param>
public sealed record TrainingSample(
    long Episode,
    string EnvironmentId,
    long Seed,
    int Turn,
    IReadOnlyList<int> InputIds,
    int PromptLength,
    IReadOnlyList<int> Positions,
    IReadOnlyList<float> LossMask,
    IReadOnlyList<float> OldLogProbs,
    IReadOnlyList<float> TokenRewards,
    double Reward)
{
    /// <summary>The sequence length.</summary>
    public int Length => InputIds.Count;

    /// <summary>How many tokens the policy generated on this turn.</summary>
    public int ActionLength => InputIds.Count - PromptLength;

    /// <summary>The sequence's advantage (every action token shares it); 0 until an estimator sets it.</summary>
    public double Advantage { get; init; }

    /// <summary>
    /// PPO: V_old(s_t), the value head's estimate of this turn's state at rollout (read at the last context
    /// token, index <see cref="PromptLength"/> − 1); 0 until <see cref="PpoSamples.Assign"/> sets it.
    /// </summary>
    public double OldValue { get; init; }

    /// <summary>PPO: the value target, the λ-return R_t = A_t + V_old(s_t) (A_t before whitening); 0 until <see cref="PpoSamples.Assign"/> sets it.</summary>
    public double ValueTarget { get; init; }
}
