namespace Gym.Scenarios.Yaml;

/// <summary>The <c>extends</c> merge: the child overrides the base key by key.</summary>
internal static class TreeMerger
{
    // Keys that say what a mapping is. When base and child name different things (another operator
    // kind, another environment, a dataset instead of an environment), merging their other keys
    // would mix two shapes (an expert's error_rate under an openai policy), so the child replaces.
    private static readonly string[] IdentityKeys = ["kind", "environment", "dataset"];

    /// <summary>
    /// Mappings merge recursively; anything else (scalars, lists such as <c>operators</c>) is replaced by
    /// the child. Nodes keep their own positions, so errors point at the file that wrote each value.
    /// </summary>
    public static SourceNode Merge(SourceNode baseNode, SourceNode child)
    {
        if (baseNode is not MappingNode baseMapping || child is not MappingNode childMapping || NameDifferentThings(baseMapping, childMapping))
        {
            return child;
        }

        var entries = new List<MappingEntry>(baseMapping.Entries.Count + childMapping.Entries.Count);
        foreach (var entry in baseMapping.Entries)
        {
            var overriding = childMapping.Find(entry.Key.Value);
            entries.Add(overriding is null ? entry : new MappingEntry(overriding.Key, Merge(entry.Value, overriding.Value)));
        }

        foreach (var entry in childMapping.Entries)
        {
            if (baseMapping.Find(entry.Key.Value) is null)
            {
                entries.Add(entry);
            }
        }

        return new MappingNode(childMapping.Mark, entries);
    }

    private static bool NameDifferentThings(MappingNode baseMapping, MappingNode child)
    {
        var baseIdentity = Identity(baseMapping);
        var childIdentity = Identity(child);
        return baseIdentity is not null && childIdentity is not null && baseIdentity != childIdentity;
    }

    private static string? Identity(MappingNode mapping)
    {
        foreach (var key in IdentityKeys)
        {
            if (mapping.Find(key) is { } entry)
            {
                return entry.Value is ScalarNode scalar ? $"{key}={scalar.Value}" : key;
            }
        }

        return null;
    }
}

/// <summary>Paths as shown in errors: built from the path the user gave, not made absolute.</summary>
internal static class DisplayPath
{
    /// <summary><paramref name="relative"/> resolved against the folder of <paramref name="fromFile"/>, with <c>.</c> and <c>..</c> folded.</summary>
    public static string Combine(string fromFile, string relative)
    {
        if (Path.IsPathRooted(relative))
        {
            return relative;
        }

        var folder = Path.GetDirectoryName(fromFile) ?? "";
        var combined = folder.Length == 0 ? relative : $"{folder}/{relative}";
        var rooted = combined.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in combined.Split('/', '\\'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined;
    }
}
