namespace Gym.Core.Rewards.Judging;

/// <summary>How a judge scores an answer.</summary>
public enum JudgeProtocol
{
    /// <summary>Rate the answer alone on a 0..10 scale.</summary>
    Pointwise,
    /// <summary>Compare the answer with a reference, in both orders.</summary>
    Pairwise,
}
