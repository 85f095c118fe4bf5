namespace Gym.Core.Rewards.Judging;

/// <summary>
/// An LLM judge over a <see cref="JudgeClient"/>: pointwise ratings and position-debiased,
/// length-invariant pairwise comparisons. Transport failures throw <see cref="JudgeException"/>;
/// replies that cannot be read become a verdict with <see cref="JudgeVerdict.Parsed"/> false.
/// The judge owns its client: disposing the judge disposes it.
/// </summary>
public sealed class LlmJudge : IJudge, IDisposable
{
    /// <summary>Creates a judge.</summary>
    /// <param name="client">The endpoint client (with its cache, if any); owned: disposed with the judge.</param>
    /// <param name="failureValue">The score, in [0,1], of a reply that cannot be read.</param>
    public LlmJudge(JudgeClient client, double failureValue = 0)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!double.IsFinite(failureValue) || failureValue is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(failureValue), failureValue, "a judge's failure value must lie in [0,1]");
        }

        Client = client;
        FailureValue = failureValue;
    }

    /// <summary>The client requests go through.</summary>
    public JudgeClient Client { get; }

    /// <summary>The score given when the judge's reply cannot be read.</summary>
    public double FailureValue { get; }

    /// <summary>Disposes the client (and through it an owned cache); safe to call more than once.</summary>
    public void Dispose() => Client.Dispose();

    /// <summary>
    /// Pointwise: asks to rate how well the answer meets the criterion on an integer scale 0..10,
    /// explicitly telling the judge to ignore length and style; parses the LAST "Score: N" (N integer
    /// or decimal 0..10) in the reply deterministically → N/10. Anything else (no score, out of
    /// range, several conflicting formats) → Parsed=false, Score=failureValue.
    /// </summary>
    /// <exception cref="JudgeException">The request failed.</exception>
    public async Task<JudgeVerdict> PointwiseAsync(string criterion, string task, string answer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(criterion);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(answer);
        var reply = await Client.CompleteAsync(JudgePrompts.PointwiseSystem, JudgePrompts.Pointwise(criterion, task, answer), cancellationToken).ConfigureAwait(false);
        var (score, failure) = JudgeReplyParser.ParseScore(reply);
        return score is { } s ? new JudgeVerdict(s, true) : new JudgeVerdict(FailureValue, false, failure);
    }

    /// <summary>
    /// Pairwise: compares <paramref name="answer"/> against <paramref name="reference"/> for the
    /// criterion, asked in BOTH orders (answer as A then as B) and averaged, to cancel position bias;
    /// each reply must end with a verdict [[A]], [[B]] or [[C]] (tie) → preference for the answer 1,
    /// 0 or 0.5 in that order; Score = mean of the two orders' preferences for the answer. If either
    /// order is unparseable → Parsed=false, Score=failureValue. Instructs the judge to ignore response length.
    /// </summary>
    /// <exception cref="JudgeException">A request failed.</exception>
    public async Task<JudgeVerdict> PairwiseAsync(string criterion, string task, string answer, string reference, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(criterion);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(reference);
        var answerFirst = Client.CompleteAsync(JudgePrompts.PairwiseSystem, JudgePrompts.Pairwise(criterion, task, answer, reference), cancellationToken);
        var answerSecond = Client.CompleteAsync(JudgePrompts.PairwiseSystem, JudgePrompts.Pairwise(criterion, task, reference, answer), cancellationToken);
        var replies = await Task.WhenAll(answerFirst, answerSecond).ConfigureAwait(false);

        var (first, firstFailure) = JudgeReplyParser.ParseVerdict(replies[0]);
        if (first is null)
        {
            return new JudgeVerdict(FailureValue, false, $"answer shown as A: {firstFailure}");
        }

        var (second, secondFailure) = JudgeReplyParser.ParseVerdict(replies[1]);
        if (second is null)
        {
            return new JudgeVerdict(FailureValue, false, $"answer shown as B: {secondFailure}");
        }

        var preferenceFirst = first switch { 'A' => 1.0, 'B' => 0.0, _ => 0.5 };
        var preferenceSecond = second switch { 'B' => 1.0, 'A' => 0.0, _ => 0.5 };
        return new JudgeVerdict((preferenceFirst + preferenceSecond) / 2, true);
    }
}
