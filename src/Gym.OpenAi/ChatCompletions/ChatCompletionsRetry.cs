namespace Gym.Core.ChatCompletions;

/// <summary>How a <see cref="ChatCompletionsTransport"/> bounds and repeats its HTTP attempts.</summary>
/// <param name="Timeout">The limit on one attempt (sending and reading the reply); a timed-out attempt is retried.</param>
/// <param name="MaxRetries">Retries after the first attempt, on timeouts, connection errors, HTTP 429 and 5xx.</param>
/// <param name="BaseDelay">The delay before the first retry; each further retry doubles it.</param>
/// <param name="MaxDelay">The longest wait before a retry, whether asked for by <c>Retry-After</c> or reached by backoff.</param>
public sealed record ChatCompletionsRetry(TimeSpan Timeout, int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>
    /// The wait before retry number <paramref name="attempt"/> (1 for the first retry): the server's
    /// <c>Retry-After</c> when it sent one, else <see cref="BaseDelay"/>·2^(attempt−1); either capped at <see cref="MaxDelay"/>.
    /// </summary>
    public TimeSpan DelayBefore(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked)
        {
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > MaxDelay ? MaxDelay : asked;
        }

        var backoff = BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return backoff >= MaxDelay.TotalMilliseconds ? MaxDelay : TimeSpan.FromMilliseconds(backoff);
    }
}
