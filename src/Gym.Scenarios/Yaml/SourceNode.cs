namespace Gym.Scenarios.Yaml;

/// <summary>A file that nodes come from: the path as shown in errors and the absolute path used to resolve relative paths.</summary>
internal sealed record SourceFile(string DisplayPath, string FullPath)
{
    public string Directory => Path.GetDirectoryName(FullPath) ?? FullPath;

    /// <summary>The absolute form of <paramref name="relative"/>, a path written in this file.</summary>
    public string Resolve(string relative) => Path.GetFullPath(Path.Combine(Directory, relative));
}

/// <summary>Where a node starts. Kept per node so errors after an <c>extends</c> merge still point at the file that wrote the value.</summary>
internal readonly record struct SourceMark(SourceFile File, int Line, int Column);

/// <summary>A YAML node with its source position: the tree the loader merges and the validator walks.</summary>
internal abstract class SourceNode(SourceMark mark)
{
    public SourceMark Mark { get; } = mark;
}

internal sealed class ScalarNode(SourceMark mark, string value, bool isPlain) : SourceNode(mark)
{
    public string Value { get; } = value;

    /// <summary>Written without quotes, block style or an explicit tag, so it may be read as a number, boolean or null.</summary>
    public bool IsPlain { get; } = isPlain;

    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed class SequenceNode(SourceMark mark, IReadOnlyList<SourceNode> items) : SourceNode(mark)
{
    public IReadOnlyList<SourceNode> Items { get; } = items;
}

internal sealed record MappingEntry(ScalarNode Key, SourceNode Value);

internal sealed class MappingNode(SourceMark mark, IReadOnlyList<MappingEntry> entries) : SourceNode(mark)
{
    public IReadOnlyList<MappingEntry> Entries { get; } = entries;

    public MappingEntry? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry;
            }
        }

        return null;
    }

    public MappingNode Without(string key) => new(Mark, Entries.Where(e => e.Key.Value != key).ToList());
}

/// <summary>A node that could not be read (an alias without its anchor); its error is already reported.</summary>
internal sealed class BrokenNode(SourceMark mark) : SourceNode(mark);
