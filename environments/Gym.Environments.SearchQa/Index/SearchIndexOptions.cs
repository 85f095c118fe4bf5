namespace Gym.Environments.SearchQa.Index;

/// <summary>Settings for <see cref="SearchIndex.Open"/>.</summary>
/// <remarks>
/// Only settings that change the bytes on disk (<see cref="Analyzer"/>, <see cref="MergeToSingleSegment"/>)
/// are part of the cache key. BM25's <see cref="K1"/> and <see cref="B"/> and <see cref="TitleBoost"/>
/// act at search time only (Lucene's BM25 stores the same length norms whatever k1 and b are), so
/// changing them reuses the cached index instead of rebuilding it.
/// </remarks>
public sealed record SearchIndexOptions
{
    /// <summary>The name of the environment variable that moves every Gym cache: <c>GYM_CACHE</c>.</summary>
    public const string CacheEnvironmentVariable = "GYM_CACHE";

    /// <summary>The default options.</summary>
    public static SearchIndexOptions Default { get; } = new();

    /// <summary>
    /// The folder that holds one sub-folder per cached index; null means <see cref="DefaultCacheRoot"/>.
    /// It may be shared by several processes.
    /// </summary>
    public string? CacheRoot { get; init; }

    /// <summary>How text is analysed into terms (default <see cref="SearchAnalyzerKind.English"/>).</summary>
    public SearchAnalyzerKind Analyzer { get; init; } = SearchAnalyzerKind.English;

    /// <summary>BM25 term-frequency saturation (default 1.2).</summary>
    public float K1 { get; init; } = 1.2f;

    /// <summary>BM25 length normalisation, 0 (none) to 1 (full); default 0.75.</summary>
    public float B { get; init; } = 0.75f;

    /// <summary>
    /// Weight of a query term matching the title, relative to matching the text (default 1.5; 0 searches text only).
    /// Titles name the entity a document is about, so a title match is the strongest single signal of relevance.
    /// </summary>
    public float TitleBoost { get; init; } = 1.5f;

    /// <summary>
    /// Terms in more than this share of the documents count as common (default 0.1; 1 turns it off).
    /// When a query also has rarer terms, only documents matching a rarer term are scored, each with
    /// the full BM25 sum over all terms, so ranking among them is unchanged while the cost of very
    /// frequent words disappears. A search-time setting: not part of the cache key.
    /// </summary>
    public double CommonTermShare { get; init; } = 0.1;

    /// <summary>The number of hits <see cref="SearchIndex.Search(string)"/> returns (default 3, as in Search-R1).</summary>
    public int TopK { get; init; } = 3;

    /// <summary>How the cached index is checked before reuse (default <see cref="IndexVerification.Checksums"/>).</summary>
    /// <remarks>
    /// The default reads the whole index once per open: a silently wrong search result in a training run
    /// costs more than that second.
    /// </remarks>
    public IndexVerification Verification { get; init; } = IndexVerification.Checksums;

    /// <summary>The indexing RAM buffer in MB; larger means fewer, bigger flushed segments (default 256).</summary>
    public double RamBufferMB { get; init; } = 256;

    /// <summary>
    /// Whether a build ends by merging into one segment (default true): a little slower to build, faster
    /// to search, since each query term is then looked up once rather than once per segment.
    /// </summary>
    public bool MergeToSingleSegment { get; init; } = true;

    /// <summary>
    /// How long <see cref="SearchIndex.Open"/> waits for another thread or process that is building the same
    /// index before giving up with a <see cref="TimeoutException"/> (default 30 minutes).
    /// </summary>
    public TimeSpan BuildWaitTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The cache root used when <see cref="CacheRoot"/> is null: <c>$GYM_CACHE/search-index</c> when
    /// <c>GYM_CACHE</c> is set, else <c>$XDG_CACHE_HOME/gym/search-index</c> when that is set, else
    /// <c>~/.cache/gym/search-index</c> (on Windows, <c>%LOCALAPPDATA%\gym\search-index</c>).
    /// </summary>
    public static string DefaultCacheRoot()
    {
        var gym = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(gym))
        {
            return Path.Combine(gym, "search-index");
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "gym", "search-index");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var cache = string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(cache, "gym", "search-index");
    }

    internal void Validate()
    {
        if (!float.IsFinite(K1) || K1 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(K1), K1, "k1 must be a finite number >= 0");
        }

        if (!float.IsFinite(B) || B is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(B), B, "b must be in [0, 1]");
        }

        if (!float.IsFinite(TitleBoost) || TitleBoost < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TitleBoost), TitleBoost, "the title boost must be a finite number >= 0");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(TopK, 1, nameof(TopK));
        if (!double.IsFinite(CommonTermShare) || CommonTermShare is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CommonTermShare), CommonTermShare, "the common-term share must be in (0, 1]");
        }

        if (!double.IsFinite(RamBufferMB) || RamBufferMB is < 1 or > 2000)
        {
            // Lucene caps a single indexing thread's buffer just under 2 GB.
            throw new ArgumentOutOfRangeException(nameof(RamBufferMB), RamBufferMB, "the RAM buffer must be 1 to 2000 MB");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BuildWaitTimeout, TimeSpan.Zero, nameof(BuildWaitTimeout));
    }
}
