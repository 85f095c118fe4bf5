using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Gym.Server;

/// <summary>The <c>--host</c> of <c>gym serve</c> and <c>gym serve-policy</c>: an IP address, or <c>localhost</c>.</summary>
public static class ListenAddress
{
    /// <summary>Reads <paramref name="host"/>: <c>localhost</c> (any case) is 127.0.0.1; host names are not resolved.</summary>
    public static bool TryParse(string? host, [NotNullWhen(true)] out IPAddress? address)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }

        return IPAddress.TryParse(host, out address);
    }
}
