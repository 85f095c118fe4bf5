using System.Security.Cryptography;
using System.Text;

namespace Gym.Server.Http;

/// <summary>Checks <c>Authorization: Bearer &lt;key&gt;</c> headers against the configured key in constant time.</summary>
public sealed class ApiKeyCheck
{
    private readonly byte[]? _key;

    /// <summary>Creates a check; a null key lets every request through.</summary>
    public ApiKeyCheck(string? key) => _key = key is null ? null : Encoding.UTF8.GetBytes(key);

    /// <summary>Whether a key is required.</summary>
    public bool IsRequired => _key is not null;

    /// <summary>Whether a request with this Authorization header value may proceed.</summary>
    public bool Allows(string? authorization)
    {
        if (_key is null)
        {
            return true;
        }

        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _key);
    }
}
