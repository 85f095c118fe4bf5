namespace Gym.Core.Rewards.Judging;

/// <summary>An OpenAI-compatible chat-completions endpoint used as a judge.</summary>
/// <param name="BaseUrl">The API root; requests go to <c>{BaseUrl}/chat/completions</c>, e.g. <c>http://localhost:8000/v1</c>.</param>
/// <param name="Model">The model name sent in each request.</param>
/// <param name="ApiKeyEnv">
/// The name of the environment variable holding the bearer token, or null for an endpoint that
/// needs none. The name, not the key, is configured so that keys never land in scenario files or logs.
/// </param>
public sealed record JudgeEndpoint(Uri BaseUrl, string Model, string? ApiKeyEnv = null)
{
    /// <summary>The limit on one HTTP attempt (sending and reading the reply); a timed-out attempt is retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Retries after the first attempt, on timeouts, connection errors, HTTP 429 and 5xx, with
    /// exponential backoff starting at <see cref="RetryBaseDelay"/> and honoring a reply's
    /// <c>Retry-After</c> up to <see cref="MaxRetryAfter"/>.
    /// </summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>The <c>max_tokens</c> sent with each request.</summary>
    public int MaxTokens { get; init; } = 512;

    /// <summary>The sampling temperature sent with each request; 0 makes a judge as repeatable as the server allows.</summary>
    public double Temperature { get; init; }

    /// <summary>The delay before the first retry; each further retry doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait before a retry, whether asked for by <c>Retry-After</c> or reached by backoff.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The full URL requests are posted to.</summary>
    public Uri CompletionsUrl => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/chat/completions");

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"judge base URL must be an absolute http(s) URL, got '{BaseUrl}'");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException("judge model name is empty");
        }

        if (ApiKeyEnv is not null && string.IsNullOrWhiteSpace(ApiKeyEnv))
        {
            throw new ArgumentException("judge API key environment variable name is blank; use null for no key");
        }

        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"judge timeout must be positive, got {Timeout}");
        }

        if (MaxRetries < 0)
        {
            throw new ArgumentException($"judge max retries must be >= 0, got {MaxRetries}");
        }

        if (MaxTokens <= 0)
        {
            throw new ArgumentException($"judge max tokens must be positive, got {MaxTokens}");
        }

        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentException($"judge temperature must be a finite number >= 0, got {Temperature}");
        }

        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentException("judge retry delays must not be negative");
        }
    }
}
