using System.Net;
using Gym.Server.Sessions;

namespace Gym.Server;

/// <summary>Settings of the environment server (<c>gym serve</c>).</summary>
public sealed record EnvironmentServerOptions
{
    /// <summary>The default port.</summary>
    public const int DefaultPort = 8000;

    /// <summary>The address to listen on: an IP address, or <c>localhost</c> (127.0.0.1).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (read it from <see cref="EnvironmentServer.Url"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>When set, every endpoint but <c>/health</c> needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The largest request body, and the largest WebSocket message, in bytes.</summary>
    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Session limits, idle expiry, step timeout and the seed of seedless resets.</summary>
    public SessionManagerOptions Sessions { get; init; } = new();

    /// <summary>Where unexpected failures are logged (never sent to clients); null writes to standard error.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The listening address, parsed; throws <see cref="ArgumentException"/> for anything but an IP address or localhost.</summary>
    public IPAddress ParseHost() =>
        ListenAddress.TryParse(Host, out var address) ? address
        : throw new ArgumentException($"host must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, or localhost (got '{Host}')");

    /// <summary>Whether <see cref="Host"/> is an IP address or localhost.</summary>
    public bool TryParseHost() => ListenAddress.TryParse(Host, out _);

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        ParseHost();
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"port must be between 0 and 65535 (got {Port})");
        }

        if (MaxBodyBytes < 1024)
        {
            throw new ArgumentException($"the body limit must be at least 1024 bytes (got {MaxBodyBytes})");
        }

        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("the API key must not be empty");
        }

        ArgumentNullException.ThrowIfNull(Sessions);
        Sessions.Validate();
    }
}
