namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// A corpus or question file that cannot be read. The message starts with <c>path:line:</c>
/// (or <c>path:</c> when no line applies) so editors and terminals can jump to the spot.
/// </summary>
public sealed class SearchQaDataException : Exception, Core.IUserError
{
    /// <summary>Creates the exception for <paramref name="path"/>, at <paramref name="line"/> when known.</summary>
    public SearchQaDataException(string path, int? line, string reason)
        : base(line is { } l ? $"{path}:{l}: {reason}" : $"{path}: {reason}")
    {
        Path = path;
        Line = line;
        Reason = reason;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line, or null when the problem is the whole file.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
}
