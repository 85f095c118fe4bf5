namespace Gym.Environments.SearchQa.Index;

/// <summary>How thoroughly a cached index is checked before it is reused.</summary>
public enum IndexVerification
{
    /// <summary>
    /// The completion marker names this corpus, every index file it lists exists with the recorded
    /// length, Lucene opens the commit and reports the expected document count. Catches missing,
    /// truncated or extended files and a torn build; reads only file headers.
    /// </summary>
    Fast,

    /// <summary>
    /// <see cref="Fast"/>, and then every Lucene file's CRC-32 footer is checked against its content
    /// (Lucene's <c>CheckIntegrity</c>) and the document store against the SHA-256 in the marker.
    /// Also catches bytes overwritten in place. Reads the whole index once, which also warms the page
    /// cache for the searches that follow.
    /// </summary>
    Checksums,
}
