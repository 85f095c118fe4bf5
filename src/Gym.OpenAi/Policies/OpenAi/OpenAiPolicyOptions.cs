using System.Globalization;

namespace Gym.Core.Policies.OpenAi;

/// <summary>
/// Settings of an <see cref="OpenAiPolicy"/>: which OpenAI-compatible chat-completions server to ask,
/// the sampling fields sent with every request, and how requests are bounded, retried and limited.
/// </summary>
/// <param name="BaseUrl">The API root; requests go to <c>{BaseUrl}/chat/completions</c>, e.g. <c>http://localhost:8000/v1</c>.</param>
/// <param name="Model">The model name sent in each request; the policy's id is <c>openai:{Model}</c>.</param>
/// <param name="ApiKeyEnv">
/// The environment variable holding the bearer token, or null for a server that needs none. The name,
/// not the key, is configured so that keys never land in scenario files, command lines or logs.
/// </param>
public sealed record OpenAiPolicyOptions(Uri BaseUrl, string Model, string? ApiKeyEnv = null)
{
    /// <summary>Sampling temperature sent with each request; null leaves it to the server.</summary>
    public double? Temperature { get; init; }

    /// <summary>Nucleus-sampling threshold sent with each request; null leaves it to the server.</summary>
    public double? TopP { get; init; }

    /// <summary>Most tokens per turn (<c>max_tokens</c>); null leaves it to the server.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Stop sequences (<c>stop</c>); the server leaves them out of the returned text. Empty sends none.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>
    /// Ask for the sampled tokens' log-probabilities (<c>logprobs: true</c>) and record them in
    /// <see cref="AgentAction.LogProbs"/> when the reply has them.
    /// </summary>
    public bool LogProbs { get; init; } = true;

    /// <summary>
    /// Send a per-request <c>seed</c> derived from the episode's seed, attempt and turn
    /// (<see cref="OpenAiPolicy.RequestSeed"/>), so a rerun asks exactly the same requests.
    /// </summary>
    public bool SendSeed { get; init; } = true;

    /// <summary>How tool results are sent: as <c>tool</c> messages (the default) or as <c>user</c> messages.</summary>
    public ToolMessageRole ToolMessages { get; init; } = ToolMessageRole.Tool;

    /// <summary>
    /// Whether tool use is sent as text (the default) or as chat-completion structure (<c>tools</c>,
    /// <c>tool_calls</c>, <c>tool_call_id</c>); structured needs the episode's tools, which the policy gets
    /// from its <see cref="IEpisodeToolSource"/>, and falls back to text for episodes without them.
    /// </summary>
    public OpenAiMessageMode Messages { get; init; } = OpenAiMessageMode.Text;

    /// <summary>The limit on one HTTP attempt; a timed-out attempt is retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries after the first attempt, on timeouts, connection errors, HTTP 429 and 5xx.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The most requests in flight at once, across every episode using this policy.</summary>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>The delay before the first retry; each further retry doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait before a retry, whether asked for by <c>Retry-After</c> or reached by backoff.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The URL chat requests are posted to.</summary>
    public Uri CompletionsUrl => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/chat/completions");

    /// <summary>The URL of the server's model list (<c>GET {BaseUrl}/models</c>).</summary>
    public Uri ModelsUrl => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/models");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    /// <returns>These options, for chaining.</returns>
    public OpenAiPolicyOptions Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"openai policy base URL must be an absolute http(s) URL like http://localhost:8000/v1, got '{BaseUrl}'");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException("openai policy model name is empty");
        }

        if (ApiKeyEnv is not null && string.IsNullOrWhiteSpace(ApiKeyEnv))
        {
            throw new ArgumentException("openai policy API key environment variable name is blank; use null for no key");
        }

        if (Temperature is { } t && (!double.IsFinite(t) || t < 0 || t > 2))
        {
            throw new ArgumentException(Invariant($"openai policy temperature must be in [0, 2], got {t}"));
        }

        if (TopP is { } p && (!double.IsFinite(p) || p <= 0 || p > 1))
        {
            throw new ArgumentException(Invariant($"openai policy top_p must be in (0, 1], got {p}"));
        }

        if (MaxTokens is <= 0)
        {
            throw new ArgumentException(Invariant($"openai policy max_tokens must be positive, got {MaxTokens}"));
        }

        if (Stop is null || Stop.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("openai policy stop sequences must be non-empty strings");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException(Invariant($"openai policy timeout must be positive, got {Timeout}"));
        }

        if (MaxRetries < 0)
        {
            throw new ArgumentException(Invariant($"openai policy max retries must be >= 0, got {MaxRetries}"));
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentException(Invariant($"openai policy max concurrency must be at least 1, got {MaxConcurrency}"));
        }

        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("openai policy retry delays must not be negative");
        }

        return this;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
