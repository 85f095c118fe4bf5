namespace Gym.Server.Sessions;

/// <summary>Limits and defaults of the sessions a server holds.</summary>
public sealed record SessionManagerOptions
{
    /// <summary>The most sessions open at once; a further one is refused with 503 and Retry-After.</summary>
    public int MaxSessions { get; init; } = 4096;

    /// <summary>A session with no request for this long is closed; <see cref="TimeSpan.Zero"/> keeps sessions forever.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one reset or step may take before the session is closed with a timeout error.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The seed from which resets without a seed derive theirs (per session and episode).</summary>
    public long Seed { get; init; }

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (MaxSessions < 1)
        {
            throw new ArgumentException($"the session limit must be at least 1 (got {MaxSessions})");
        }

        if (IdleTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException($"the idle timeout must not be negative (got {IdleTimeout.TotalSeconds} s)");
        }

        if (StepTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the step timeout must be positive (got {StepTimeout.TotalSeconds} s)");
        }
    }
}
