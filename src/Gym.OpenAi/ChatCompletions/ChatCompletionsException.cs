namespace Gym.Core.ChatCompletions;

/// <summary>A chat-completions request failed: a non-retryable HTTP error, exhausted retries, a missing API key or an unreadable reply.</summary>
/// <param name="message">What failed, with the URL, the HTTP status and a short excerpt of the body where there was one.</param>
/// <param name="inner">The underlying error, if any.</param>
public sealed class ChatCompletionsException(string message, Exception? inner = null) : Exception(message, inner), IUserError
{
    /// <summary>The HTTP status of the last attempt, or null when none was received (timeout, connection error, configuration).</summary>
    public int? StatusCode { get; init; }
}
