namespace Gym.Core.Rewards.Judging;

/// <summary>
/// What a rubric's judge rule asks of a judge. The OpenAI-compatible implementation
/// (<c>LlmJudge</c>, with its HTTP client and cache) lives in Gym.OpenAi, so Gym.Core has no HTTP.
/// </summary>
public interface IJudge
{
    /// <summary>Rates <paramref name="answer"/> to <paramref name="task"/> against <paramref name="criterion"/>.</summary>
    /// <exception cref="JudgeException">A judge request failed.</exception>
    Task<JudgeVerdict> PointwiseAsync(string criterion, string task, string answer, CancellationToken cancellationToken = default);

    /// <summary>Compares <paramref name="answer"/> with <paramref name="reference"/> on <paramref name="criterion"/>.</summary>
    /// <exception cref="JudgeException">A judge request failed.</exception>
    Task<JudgeVerdict> PairwiseAsync(string criterion, string task, string answer, string reference, CancellationToken cancellationToken = default);
}
