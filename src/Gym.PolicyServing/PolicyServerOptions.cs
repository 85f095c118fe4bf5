using System.Globalization;
using System.Net;
using Gym.Server;

namespace Gym.PolicyServing;

/// <summary>Where a <see cref="PolicyServer"/> listens and how it batches.</summary>
/// <param name="Host">An IP address to listen on, or <c>localhost</c> (127.0.0.1).</param>
/// <param name="Port">The TCP port; 0 lets the system choose (the server reports the one it got).</param>
/// <param name="MaxBatch">Most requests generated together in one batch.</param>
/// <param name="Seed">Mixed into the sampling seed of requests that bring none, so a server's unseeded replies are a function of this seed and their order of arrival.</param>
/// <param name="MaxBodyBytes">The largest request body, in bytes; a larger one gets 413 before it is parsed.</param>
public sealed record PolicyServerOptions(string Host = "127.0.0.1", int Port = 8000, int MaxBatch = 32, long Seed = 0, int MaxBodyBytes = PolicyServerOptions.DefaultMaxBodyBytes)
{
    /// <summary>The default body limit: 1 MiB, far more text than the served models' context holds.</summary>
    public const int DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>The address to bind, after <see cref="Validate"/>.</summary>
    public IPAddress Address => ListenAddress.TryParse(Host, out var address) ? address : throw new InvalidOperationException($"'{Host}' is not an address to listen on; call Validate first");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    /// <returns>These options, for chaining.</returns>
    public PolicyServerOptions Validate()
    {
        if (!ListenAddress.TryParse(Host, out _))
        {
            throw new ArgumentException($"--host must be an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost (got '{Host}')");
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--port must be 0 (any free port) to 65535 (got {Port})"));
        }

        if (MaxBatch < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--max-batch must be at least 1 (got {MaxBatch})"));
        }

        if (MaxBodyBytes < 1024)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--max-body-bytes must be at least 1024 (got {MaxBodyBytes})"));
        }

        return this;
    }
}
