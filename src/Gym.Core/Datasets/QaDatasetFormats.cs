namespace Gym.Core.Datasets;

/// <summary>A question-file format a scenario's <c>task.dataset</c> can name, chosen by the file's extension.</summary>
/// <param name="Name">A short name for messages and docs, like <c>jsonl</c>.</param>
/// <param name="Extensions">The file extensions it reads, lower-case with the dot, like <c>.jsonl</c>.</param>
/// <param name="Description">What the files hold.</param>
/// <param name="Load">Reads every question of a file; throws <see cref="QaDatasetException"/> with <c>path:line</c> for bad content.</param>
public sealed record QaDatasetFormat(string Name, IReadOnlyList<string> Extensions, string Description, Func<string, IReadOnlyList<QaItem>> Load);

/// <summary>
/// The dataset formats a registry reads: the core's JSONL, then any a module registers (a module that
/// reads Parquet or Arrow files adds its format here, and every scenario can name such files).
/// </summary>
public sealed class QaDatasetFormats
{
    private readonly List<QaDatasetFormat> _formats = [];

    /// <summary>A registry with the core's JSONL format.</summary>
    public QaDatasetFormats() =>
        Register(new QaDatasetFormat("jsonl", [".jsonl"], "one JSON object per line, FlashRAG / Search-R1 style: `question`, `golden_answers` (or `answer`), optional `id`", QaDataset.Load));

    /// <summary>The formats, in registration order.</summary>
    public IReadOnlyList<QaDatasetFormat> All => _formats;

    /// <summary>Adds a format; an extension another format reads is an error.</summary>
    public QaDatasetFormats Register(QaDatasetFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (format.Extensions.Count == 0 || format.Extensions.Any(e => !e.StartsWith('.') || e.Any(char.IsUpper)))
        {
            throw new ArgumentException($"dataset format '{format.Name}' needs lower-case extensions starting with '.'", nameof(format));
        }

        if (format.Extensions.FirstOrDefault(e => Find(e) is not null) is { } taken)
        {
            throw new ArgumentException($"extension '{taken}' of dataset format '{format.Name}' is already read by '{Find(taken)!.Name}'", nameof(format));
        }

        _formats.Add(format);
        return this;
    }

    /// <summary>The format that reads <paramref name="path"/>'s extension, or null.</summary>
    public QaDatasetFormat? ForPath(string path) => Find(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>What an unreadable extension is told: the extensions there are.</summary>
    public string Known => string.Join(", ", _formats.SelectMany(f => f.Extensions.Select(e => $"{e} ({f.Name})")));

    /// <summary>The format named <paramref name="name"/>, or null.</summary>
    public QaDatasetFormat? Named(string name) => _formats.Find(f => f.Name == name);

    /// <summary>
    /// Reads <paramref name="path"/> with the format named <paramref name="format"/>, or, when that is null,
    /// the format of its extension; throws <see cref="QaDatasetException"/>.
    /// </summary>
    public IReadOnlyList<QaItem> Load(string path, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var reader = format is null
            ? ForPath(path) ?? throw new QaDatasetException($"{path}: no dataset format reads '{Path.GetExtension(path)}' files; known: {Known}")
            : Named(format) ?? throw new QaDatasetException($"{path}: unknown dataset format '{format}'; known: {string.Join(", ", _formats.Select(f => f.Name))}");
        return reader.Load(path);
    }

    private QaDatasetFormat? Find(string extension) => _formats.Find(f => f.Extensions.Contains(extension, StringComparer.Ordinal));
}
