namespace Gym.NativeFixup;

/// <summary>The host's libstdc++ and the symbol versions it defines.</summary>
/// <param name="Path">The file that was read.</param>
/// <param name="Versions">The names in its <c>.gnu.version_d</c> (GLIBCXX_*, CXXABI_*, ...).</param>
public sealed record HostLibrary(string Path, IReadOnlySet<string> Versions)
{
    /// <summary>True when the library defines <paramref name="version"/>.</summary>
    public bool Provides(string version) => Versions.Contains(version);

    /// <summary>The newest GLIBCXX_3.4.N it defines, for messages (null when none).</summary>
    public string? NewestGlibcxx =>
        Versions.Where(v => v.StartsWith("GLIBCXX_3.4", StringComparison.Ordinal))
            .OrderBy(v => v.Length > "GLIBCXX_3.4.".Length && int.TryParse(v["GLIBCXX_3.4.".Length..], out var n) ? n : 0)
            .LastOrDefault();
}

/// <summary>
/// Finds the libstdc++ this host's dynamic loader uses, without <c>/etc/ld.so.cache</c> or external
/// tools (a fresh machine has only the .NET SDK), and reads the versions it defines.
/// </summary>
public static class HostLibStdCxx
{
    /// <summary>The usual places of libstdc++.so.6 on glibc distributions, multiarch first.</summary>
    public static IReadOnlyList<string> CandidatePaths { get; } =
    [
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
        "/lib/libstdc++.so.6",
    ];

    /// <summary>
    /// The path of the host's libstdc++: the one mapped into this very process when there is one
    /// (the .NET host links libstdc++, so this is exactly the copy the loader picks here, honouring
    /// LD_LIBRARY_PATH), otherwise the first of <see cref="CandidatePaths"/> that exists.
    /// Null on hosts without one (Windows, macOS, musl without libstdc++).
    /// </summary>
    public static string? Locate()
    {
        const string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            foreach (var line in File.ReadLines(maps))
            {
                // "address perms offset dev inode   /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    continue;
                }

                var path = line[slash..].Trim();
                if (Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal) && File.Exists(path))
                {
                    return path;
                }
            }
        }

        return CandidatePaths.FirstOrDefault(File.Exists);
    }

    /// <summary>Reads the versions a libstdc++ defines.</summary>
    /// <param name="path">The library; null to <see cref="Locate"/> the host's.</param>
    /// <returns>The library, or null when there is none to read.</returns>
    /// <exception cref="ElfFormatException">The file is not an ELF64 little-endian library.</exception>
    public static HostLibrary? Read(string? path = null)
    {
        path ??= Locate();
        if (path is null)
        {
            return null;
        }

        var image = new ElfImage(File.ReadAllBytes(path));
        return new HostLibrary(path, image.ReadVersionDefinitions().ToHashSet(StringComparer.Ordinal));
    }
}
