namespace Gym.NativeFixup;

/// <summary>What <see cref="WeakVersionPatcher"/> found (and did) for one file.</summary>
public enum PatchOutcome
{
    /// <summary>The requirement was strong; the file has been (or, for a plan, would be) changed.</summary>
    Patched,

    /// <summary>The requirement is already weak and no symbol is bound to it: nothing to write.</summary>
    AlreadyPatched,

    /// <summary>The image does not require the version at all (for example a shim built with an older GCC).</summary>
    NotRequired,
}

/// <summary>One byte to set at a file offset.</summary>
/// <param name="Offset">File offset.</param>
/// <param name="Value">The new value.</param>
public readonly record struct ByteEdit(long Offset, byte Value);

/// <summary>The bytes a patch changes, and why.</summary>
/// <param name="Outcome">Whether anything needs changing.</param>
/// <param name="Library">The library the requirement names (vn_file), or "" when not required.</param>
/// <param name="Symbols">The dynamic symbols that were bound to the version (empty when already patched).</param>
/// <param name="Edits">The bytes to write; empty unless <paramref name="Outcome"/> is <see cref="PatchOutcome.Patched"/>.</param>
public sealed record PatchPlan(PatchOutcome Outcome, string Library, IReadOnlyList<string> Symbols, IReadOnlyList<ByteEdit> Edits);

/// <summary>
/// Makes an ELF image's requirement of one libstdc++ symbol version weak, so that the dynamic
/// loader accepts a libstdc++ that lacks it:
/// <list type="number">
/// <item>the Vernaux entry of the version in <c>.gnu.version_r</c> gets VER_FLG_WEAK in vna_flags
/// (glibc then only notes a missing weak version instead of failing the load);</item>
/// <item>every dynamic symbol bound to that version gets <c>.gnu.version</c> entry 1 (global,
/// unversioned) and binding STB_WEAK (an unresolved weak reference is 0, not an error).</item>
/// </list>
/// This is only safe for symbols that are referenced but never called. TorchSharp 0.107.0's shim,
/// built with GCC 13, binds exactly one symbol to GLIBCXX_3.4.32: <c>std::ios_base_library_init()</c>,
/// which GCC 13 emits as a bare reference so that linking pulls in libstdc++'s iostream
/// initialisation (older libstdc++ initialises iostreams without it). Any other symbol bound to the
/// version is refused: weakening a function that is actually called would turn a clear load error
/// into a crash.
/// </summary>
public static class WeakVersionPatcher
{
    /// <summary>The version Debian 12's libstdc++ (GCC 12, up to GLIBCXX_3.4.30) lacks.</summary>
    public const string TargetVersion = "GLIBCXX_3.4.32";

    /// <summary>
    /// Symbols known to be reference-only and therefore safe to leave unresolved (see the class remarks).
    /// </summary>
    public static IReadOnlySet<string> SafeSymbols { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "_ZSt21ios_base_library_initv",
    };

    /// <summary>Works out which bytes to change, without changing anything.</summary>
    /// <param name="image">The whole file.</param>
    /// <exception cref="ElfFormatException">The file is not what this patcher expects; nothing may be changed.</exception>
    public static PatchPlan Plan(byte[] image)
    {
        var elf = new ElfImage(image);

        VersionNeed? owner = null;
        VersionNeedAux? requirement = null;
        foreach (var need in elf.ReadVersionNeeds())
        {
            foreach (var version in need.Versions)
            {
                if (version.Name != TargetVersion)
                {
                    continue;
                }

                if (requirement is not null)
                {
                    throw new ElfFormatException($"{TargetVersion} is required more than once (of {owner!.File} and {need.File})");
                }

                owner = need;
                requirement = version;
            }
        }

        if (requirement is null || owner is null)
        {
            return new PatchPlan(PatchOutcome.NotRequired, "", [], []);
        }

        if (!owner.File.StartsWith("libstdc++.so.", StringComparison.Ordinal))
        {
            throw new ElfFormatException($"{TargetVersion} is required of {owner.File}, not of libstdc++");
        }

        if (requirement.Index < 2)
        {
            // Indexes 0 (local) and 1 (global) are reserved; a Vernaux entry never uses them.
            throw new ElfFormatException($"{TargetVersion} has the reserved version index {requirement.Index}");
        }

        var symbols = elf.ReadDynamicSymbols();
        if (symbols.Count > 0 && symbols[0].VersionEntry is null)
        {
            throw new ElfFormatException(".gnu.version_r is present but .gnu.version is missing");
        }

        var bound = symbols.Where(s => s.VersionIndex == requirement.Index).ToList();
        var unexpected = bound.Where(s => !SafeSymbols.Contains(s.Name)).Select(s => s.Name).ToList();
        if (unexpected.Count > 0)
        {
            throw new ElfFormatException(
                $"symbols other than the known reference-only one are bound to {TargetVersion}: {string.Join(", ", unexpected)}; " +
                "leaving them unresolved is not known to be safe, so the file is left as it is");
        }

        foreach (var symbol in bound)
        {
            if (!symbol.IsUndefined)
            {
                throw new ElfFormatException($"{symbol.Name} is defined in this file (section {symbol.SectionIndex}), expected a reference");
            }

            if (symbol.Binding != ElfImage.StbGlobal && symbol.Binding != ElfImage.StbWeak)
            {
                throw new ElfFormatException($"{symbol.Name} has binding {symbol.Binding}, expected global or weak");
            }
        }

        var edits = new List<ByteEdit>();
        if ((requirement.Flags & ElfImage.VerFlgWeak) == 0)
        {
            // vna_flags is little-endian and VER_FLG_WEAK is in its low byte.
            edits.Add(new ByteEdit(requirement.FlagsOffset, (byte)((requirement.Flags | ElfImage.VerFlgWeak) & 0xff)));
        }

        foreach (var symbol in bound)
        {
            edits.Add(new ByteEdit(symbol.VersionOffset, (byte)ElfImage.VerNdxGlobal));
            edits.Add(new ByteEdit(symbol.VersionOffset + 1, 0));
            if (symbol.Binding != ElfImage.StbWeak)
            {
                edits.Add(new ByteEdit(symbol.InfoOffset, (byte)((ElfImage.StbWeak << 4) | symbol.SymbolType)));
            }
        }

        return edits.Count == 0
            ? new PatchPlan(PatchOutcome.AlreadyPatched, owner.File, [], [])
            : new PatchPlan(PatchOutcome.Patched, owner.File, bound.Select(s => s.Name).ToList(), edits);
    }

    /// <summary>Applies a plan's edits to a copy of the image.</summary>
    /// <param name="image">The image the plan was made from.</param>
    /// <param name="plan">The plan.</param>
    /// <returns>The patched copy.</returns>
    public static byte[] Apply(byte[] image, PatchPlan plan)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(plan);
        var patched = (byte[])image.Clone();
        foreach (var edit in plan.Edits)
        {
            patched[edit.Offset] = edit.Value;
        }

        return patched;
    }

    /// <summary>
    /// Patches a file in place, atomically: the new bytes go to a temporary file in the same folder,
    /// which then replaces the original by rename. A file that needs nothing is not written.
    /// </summary>
    /// <param name="path">The library to patch.</param>
    /// <returns>The plan that was carried out.</returns>
    /// <exception cref="ElfFormatException">The file is not what this patcher expects; it is left unchanged.</exception>
    public static PatchPlan PatchFile(string path)
    {
        var image = File.ReadAllBytes(path);
        var plan = Plan(image);
        if (plan.Outcome == PatchOutcome.Patched)
        {
            WriteAtomically(path, Apply(image, plan));
        }

        return plan;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;

        // The original's timestamp is kept: MSBuild's incremental copy treats a file of the same size
        // and time as its source as up to date, so the next build leaves the patched copy alone
        // instead of replacing it with the pristine one and patching it again.
        var lastWrite = File.GetLastWriteTimeUtc(full);

        // A unique name per writer: two builds patching the same output at once each rename a
        // complete file over it (both identical), never a half-written one.
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Path.GetRandomFileName()}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(full));
            }

            File.SetLastWriteTimeUtc(temp, lastWrite);

            // Rename replaces the directory entry: a build output that is a hard link into the NuGet
            // cache is detached from it instead of changing the cached package.
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
