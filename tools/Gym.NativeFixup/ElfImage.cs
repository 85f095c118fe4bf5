using System.Buffers.Binary;
using System.Text;

namespace Gym.NativeFixup;

/// <summary>One section header of an ELF image.</summary>
/// <param name="Index">Position in the section header table.</param>
/// <param name="Name">Name from the section name string table ("" when the image has none).</param>
/// <param name="Type">sh_type (for example <see cref="ElfImage.ShtDynsym"/>).</param>
/// <param name="FileOffset">sh_offset: where the section's bytes start in the file.</param>
/// <param name="Size">sh_size in bytes.</param>
/// <param name="Link">sh_link: for the sections read here, the index of their string table or symbol table.</param>
/// <param name="Info">sh_info: for version sections, the number of entries.</param>
/// <param name="EntrySize">sh_entsize: the size of one entry for tables of fixed-size entries.</param>
public sealed record ElfSection(int Index, string Name, uint Type, ulong FileOffset, ulong Size, uint Link, uint Info, ulong EntrySize);

/// <summary>One library named in <c>.gnu.version_r</c> and the versions required of it.</summary>
/// <param name="File">The library's soname (vn_file), for example <c>libstdc++.so.6</c>.</param>
/// <param name="Versions">Its Vernaux entries.</param>
public sealed record VersionNeed(string File, IReadOnlyList<VersionNeedAux> Versions);

/// <summary>One required version (a Vernaux entry of <c>.gnu.version_r</c>).</summary>
/// <param name="Name">The version name, for example <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">vna_flags (<see cref="ElfImage.VerFlgWeak"/> marks a weak requirement).</param>
/// <param name="Index">vna_other: the index that <c>.gnu.version</c> entries use to refer to this version.</param>
/// <param name="FlagsOffset">File offset of the two bytes of vna_flags.</param>
public sealed record VersionNeedAux(string Name, ushort Flags, ushort Index, long FlagsOffset);

/// <summary>One entry of <c>.dynsym</c> with its <c>.gnu.version</c> entry.</summary>
/// <param name="Index">Symbol index.</param>
/// <param name="Name">Symbol name from the dynamic string table.</param>
/// <param name="Info">st_info: binding in the high four bits, type in the low four.</param>
/// <param name="SectionIndex">st_shndx: 0 (SHN_UNDEF) for a symbol this image only references.</param>
/// <param name="InfoOffset">File offset of the st_info byte.</param>
/// <param name="VersionEntry">The raw <c>.gnu.version</c> entry (bit 15 is the hidden flag), or null without that section.</param>
/// <param name="VersionOffset">File offset of the <c>.gnu.version</c> entry, or -1 without that section.</param>
public sealed record DynamicSymbol(int Index, string Name, byte Info, ushort SectionIndex, long InfoOffset, ushort? VersionEntry, long VersionOffset)
{
    /// <summary>The binding (STB_*), the high four bits of st_info.</summary>
    public int Binding => Info >> 4;

    /// <summary>The type (STT_*), the low four bits of st_info.</summary>
    public int SymbolType => Info & 0xf;

    /// <summary>True for a reference to a symbol another library defines.</summary>
    public bool IsUndefined => SectionIndex == 0;

    /// <summary>The version index without the hidden bit, or null without <c>.gnu.version</c>.</summary>
    public int? VersionIndex => VersionEntry is { } entry ? entry & 0x7fff : null;
}

/// <summary>
/// A read-only view of an ELF64 little-endian image: its section headers, dynamic symbols, and the
/// GNU symbol-versioning sections (<c>.gnu.version</c>, <c>.gnu.version_r</c>, <c>.gnu.version_d</c>).
/// Every offset and count is checked against the file before use; anything else is refused with an
/// <see cref="ElfFormatException"/> rather than guessed at.
/// </summary>
public sealed class ElfImage
{
    /// <summary>SHT_STRTAB.</summary>
    public const uint ShtStrtab = 3;

    /// <summary>SHT_NOBITS: occupies no bytes in the file.</summary>
    public const uint ShtNobits = 8;

    /// <summary>SHT_DYNSYM: the dynamic symbol table.</summary>
    public const uint ShtDynsym = 11;

    /// <summary>SHT_GNU_verdef: <c>.gnu.version_d</c>, the versions a library defines.</summary>
    public const uint ShtGnuVerdef = 0x6ffffffd;

    /// <summary>SHT_GNU_verneed: <c>.gnu.version_r</c>, the versions an image requires.</summary>
    public const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>SHT_GNU_versym: <c>.gnu.version</c>, one version index per dynamic symbol.</summary>
    public const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>VER_FLG_WEAK in vna_flags: the dynamic loader does not fail when the version is missing.</summary>
    public const ushort VerFlgWeak = 0x2;

    /// <summary>STB_GLOBAL.</summary>
    public const int StbGlobal = 1;

    /// <summary>STB_WEAK: an undefined weak reference resolves to 0 instead of failing.</summary>
    public const int StbWeak = 2;

    /// <summary>The version index meaning "global, unversioned" (VER_NDX_GLOBAL).</summary>
    public const ushort VerNdxGlobal = 1;

    private const int HeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;
    private const int VerdefSize = 20;
    private const int VerdauxSize = 8;

    // No real library has more version entries than this; a chain longer than that is a loop.
    private const int MaxVersionEntries = 65536;

    private readonly byte[] _bytes;

    /// <summary>Reads the ELF header and the section header table.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <exception cref="ElfFormatException">Not ELF64 little-endian, or its tables lie outside the file.</exception>
    public ElfImage(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        _bytes = bytes;

        if (bytes.Length < 4 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw new ElfFormatException("not an ELF file (no \\x7fELF magic)");
        }

        if (bytes.Length < HeaderSize)
        {
            throw new ElfFormatException($"truncated ELF header ({bytes.Length} bytes, need {HeaderSize})");
        }

        // e_ident[EI_CLASS] 2 = ELFCLASS64, e_ident[EI_DATA] 1 = ELFDATA2LSB.
        if (bytes[4] != 2)
        {
            throw new ElfFormatException($"not a 64-bit ELF file (EI_CLASS {bytes[4]}, expected 2)");
        }

        if (bytes[5] != 1)
        {
            throw new ElfFormatException($"not a little-endian ELF file (EI_DATA {bytes[5]}, expected 1)");
        }

        var span = bytes.AsSpan();
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3e..]);

        if (shoff == 0 || shnum == 0)
        {
            // shnum 0 with a non-zero offset means extended numbering (>= 0xff00 sections): never
            // seen in a shared library of this size, so it is refused rather than supported untested.
            throw new ElfFormatException("the file has no section header table (or uses extended section numbering)");
        }

        if (shentsize != SectionHeaderSize)
        {
            throw new ElfFormatException($"unexpected section header size {shentsize} (expected {SectionHeaderSize})");
        }

        CheckRange(shoff, (ulong)shnum * SectionHeaderSize, "the section header table");

        var raw = new (uint Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntSize)[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var h = span.Slice(checked((int)shoff + (i * SectionHeaderSize)), SectionHeaderSize);
            raw[i] = (
                BinaryPrimitives.ReadUInt32LittleEndian(h),
                BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[0x18..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[0x20..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[0x28..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[0x2c..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[0x38..]));
            if (raw[i].Type != ShtNobits && raw[i].Type != 0)
            {
                CheckRange(raw[i].Offset, raw[i].Size, $"section {i}");
            }
        }

        var names = shstrndx != 0 && shstrndx < shnum && raw[shstrndx].Type == ShtStrtab ? raw[shstrndx] : default;
        var sections = new ElfSection[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var name = names.Type == ShtStrtab ? ReadString(names.Offset, names.Size, raw[i].Name) : "";
            sections[i] = new ElfSection(i, name, raw[i].Type, raw[i].Offset, raw[i].Size, raw[i].Link, raw[i].Info, raw[i].EntSize);
        }

        Sections = sections;
    }

    /// <summary>The section header table, in file order.</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>The only section of the given type, or null when there is none.</summary>
    /// <exception cref="ElfFormatException">More than one section has that type.</exception>
    public ElfSection? SectionOfType(uint type)
    {
        ElfSection? found = null;
        foreach (var section in Sections)
        {
            if (section.Type != type)
            {
                continue;
            }

            if (found is not null)
            {
                throw new ElfFormatException($"more than one section of type 0x{type:x} ({found.Name}, {section.Name})");
            }

            found = section;
        }

        return found;
    }

    /// <summary>
    /// The dynamic symbols, each with its <c>.gnu.version</c> entry when the image has one.
    /// </summary>
    /// <exception cref="ElfFormatException">No <c>.dynsym</c>, or its tables are inconsistent.</exception>
    public IReadOnlyList<DynamicSymbol> ReadDynamicSymbols()
    {
        var dynsym = SectionOfType(ShtDynsym) ?? throw new ElfFormatException("no .dynsym section (not a shared library?)");
        if (dynsym.EntrySize != SymbolSize || dynsym.Size % SymbolSize != 0)
        {
            throw new ElfFormatException($"unexpected .dynsym layout (entry size {dynsym.EntrySize}, size {dynsym.Size})");
        }

        var strings = StringTable(dynsym, ".dynsym");
        var count = checked((int)(dynsym.Size / SymbolSize));

        var versym = SectionOfType(ShtGnuVersym);
        if (versym is not null)
        {
            if (versym.Link != dynsym.Index)
            {
                throw new ElfFormatException($".gnu.version is linked to section {versym.Link}, not to .dynsym ({dynsym.Index})");
            }

            if (versym.Size != (ulong)count * 2)
            {
                throw new ElfFormatException($".gnu.version has {versym.Size} bytes for {count} dynamic symbols (expected {count * 2})");
            }
        }

        var symbols = new DynamicSymbol[count];
        for (var i = 0; i < count; i++)
        {
            var at = checked((long)dynsym.FileOffset + ((long)i * SymbolSize));
            var entry = _bytes.AsSpan(checked((int)at), SymbolSize);
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var info = entry[4];
            var shndx = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            ushort? version = null;
            long versionOffset = -1;
            if (versym is not null)
            {
                versionOffset = checked((long)versym.FileOffset + (2L * i));
                version = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(checked((int)versionOffset), 2));
            }

            symbols[i] = new DynamicSymbol(i, ReadString(strings.FileOffset, strings.Size, nameOffset), info, shndx, at + 4, version, versionOffset);
        }

        return symbols;
    }

    /// <summary>The libraries and versions listed in <c>.gnu.version_r</c> (empty when the image has none).</summary>
    /// <exception cref="ElfFormatException">The chain of entries leaves the section or is malformed.</exception>
    public IReadOnlyList<VersionNeed> ReadVersionNeeds()
    {
        var section = SectionOfType(ShtGnuVerneed);
        if (section is null)
        {
            return [];
        }

        var strings = StringTable(section, ".gnu.version_r");
        var needs = new List<VersionNeed>();
        var at = (long)section.FileOffset;
        var end = (long)(section.FileOffset + section.Size);

        // sh_info holds the number of Verneed entries; the vn_next chain must agree with it.
        for (var n = 0; n < section.Info; n++)
        {
            CheckWithin(at, VerneedSize, (long)section.FileOffset, end, ".gnu.version_r entry");
            var entry = _bytes.AsSpan(checked((int)at), VerneedSize);
            var version = BinaryPrimitives.ReadUInt16LittleEndian(entry);
            if (version != 1)
            {
                throw new ElfFormatException($".gnu.version_r entry at 0x{at:x} has version {version} (expected 1)");
            }

            var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
            var file = ReadString(strings.FileOffset, strings.Size, BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]));
            var auxOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
            var next = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);

            var versions = new List<VersionNeedAux>(auxCount);
            var aux = at + auxOffset;
            for (var a = 0; a < auxCount; a++)
            {
                CheckWithin(aux, VernauxSize, (long)section.FileOffset, end, ".gnu.version_r auxiliary entry");
                var item = _bytes.AsSpan(checked((int)aux), VernauxSize);
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(item[4..]);
                var index = BinaryPrimitives.ReadUInt16LittleEndian(item[6..]);
                var name = ReadString(strings.FileOffset, strings.Size, BinaryPrimitives.ReadUInt32LittleEndian(item[8..]));
                versions.Add(new VersionNeedAux(name, flags, index, aux + 4));
                var auxNext = BinaryPrimitives.ReadUInt32LittleEndian(item[12..]);
                if (auxNext == 0 && a != auxCount - 1)
                {
                    throw new ElfFormatException($".gnu.version_r entry for {file} announces {auxCount} versions but lists {a + 1}");
                }

                aux += auxNext;
            }

            needs.Add(new VersionNeed(file, versions));
            if (next == 0)
            {
                if (n != section.Info - 1)
                {
                    throw new ElfFormatException($".gnu.version_r announces {section.Info} entries but lists {n + 1}");
                }

                break;
            }

            at += next;
            if (needs.Count > MaxVersionEntries)
            {
                throw new ElfFormatException(".gnu.version_r chain does not end");
            }
        }

        return needs;
    }

    /// <summary>
    /// The version names a library defines in <c>.gnu.version_d</c> (for libstdc++: GLIBCXX_3.4,
    /// ..., and its soname as the base definition); empty when the image has none.
    /// </summary>
    /// <exception cref="ElfFormatException">The chain of entries leaves the section or is malformed.</exception>
    public IReadOnlyList<string> ReadVersionDefinitions()
    {
        var section = SectionOfType(ShtGnuVerdef);
        if (section is null)
        {
            return [];
        }

        var strings = StringTable(section, ".gnu.version_d");
        var names = new List<string>();
        var at = (long)section.FileOffset;
        var end = (long)(section.FileOffset + section.Size);
        for (var n = 0; n < section.Info && n < MaxVersionEntries; n++)
        {
            CheckWithin(at, VerdefSize, (long)section.FileOffset, end, ".gnu.version_d entry");
            var entry = _bytes.AsSpan(checked((int)at), VerdefSize);
            var version = BinaryPrimitives.ReadUInt16LittleEndian(entry);
            if (version != 1)
            {
                throw new ElfFormatException($".gnu.version_d entry at 0x{at:x} has version {version} (expected 1)");
            }

            var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            var auxOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);
            var next = BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]);
            if (auxCount > 0)
            {
                // The first Verdaux names the version itself; the others name its parents.
                var aux = at + auxOffset;
                CheckWithin(aux, VerdauxSize, (long)section.FileOffset, end, ".gnu.version_d auxiliary entry");
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(checked((int)aux), 4));
                names.Add(ReadString(strings.FileOffset, strings.Size, nameOffset));
            }

            if (next == 0)
            {
                break;
            }

            at += next;
        }

        return names;
    }

    private ElfSection StringTable(ElfSection owner, string ownerName)
    {
        if (owner.Link == 0 || owner.Link >= Sections.Count || Sections[(int)owner.Link].Type != ShtStrtab)
        {
            throw new ElfFormatException($"{ownerName} does not link to a string table (sh_link {owner.Link})");
        }

        return Sections[(int)owner.Link];
    }

    private string ReadString(ulong tableOffset, ulong tableSize, uint offset)
    {
        if (offset >= tableSize)
        {
            throw new ElfFormatException($"string offset {offset} lies outside its table ({tableSize} bytes)");
        }

        var table = _bytes.AsSpan(checked((int)tableOffset), checked((int)tableSize));
        var rest = table[(int)offset..];
        var length = rest.IndexOf((byte)0);
        if (length < 0)
        {
            throw new ElfFormatException($"string at offset {offset} is not terminated inside its table");
        }

        return Encoding.ASCII.GetString(rest[..length]);
    }

    private void CheckRange(ulong offset, ulong length, string what)
    {
        if (offset > (ulong)_bytes.Length || length > (ulong)_bytes.Length - offset)
        {
            throw new ElfFormatException($"{what} lies outside the file (offset 0x{offset:x}, {length} bytes, file {_bytes.Length} bytes)");
        }
    }

    private static void CheckWithin(long at, int length, long start, long end, string what)
    {
        if (at < start || at + length > end)
        {
            throw new ElfFormatException($"{what} at 0x{at:x} lies outside its section (0x{start:x}-0x{end:x})");
        }
    }
}
