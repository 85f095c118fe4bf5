using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using Gym.NativeFixup;
using Xunit;

namespace Gym.Learning.Tests.NativeFixup;

public sealed class WeakVersionPatcherTests
{
    private const string Symbol = "_ZSt21ios_base_library_initv";

    /// <summary>The raw bytes that matter, read at the offsets the parser reports.</summary>
    private sealed record Facts(ushort VnaFlags, ushort VersionIndex, ushort SymbolVersym, byte SymbolInfo, long FlagsOffset, long VersymOffset, long InfoOffset);

    private static Facts Read(byte[] image)
    {
        var elf = new ElfImage(image);
        var aux = elf.ReadVersionNeeds().Single(n => n.File == "libstdc++.so.6").Versions.Single(v => v.Name == WeakVersionPatcher.TargetVersion);
        var symbol = elf.ReadDynamicSymbols().Single(s => s.Name == Symbol);
        return new Facts(
            BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)aux.FlagsOffset)),
            aux.Index,
            BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)symbol.VersionOffset)),
            image[symbol.InfoOffset],
            aux.FlagsOffset,
            symbol.VersionOffset,
            symbol.InfoOffset);
    }

    [Fact]
    public void The_pristine_shim_requires_GLIBCXX_3_4_32_strongly_for_exactly_one_symbol()
    {
        var image = File.ReadAllBytes(ShimFiles.Pristine);
        var facts = Read(image);

        facts.VnaFlags.Should().Be(0, "the package's shim makes GLIBCXX_3.4.32 a hard requirement");
        facts.VersionIndex.Should().BeGreaterThan(1);
        facts.SymbolVersym.Should().Be(facts.VersionIndex);
        (facts.SymbolInfo >> 4).Should().Be(ElfImage.StbGlobal);
        (facts.SymbolInfo & 0xf).Should().Be(2, "it is a function (STT_FUNC)");

        var elf = new ElfImage(image);
        elf.ReadDynamicSymbols().Where(s => s.VersionIndex == facts.VersionIndex).Select(s => s.Name)
            .Should().Equal(Symbol);
        elf.Sections.Select(s => s.Name).Should().Contain([".dynsym", ".dynstr", ".gnu.version", ".gnu.version_r"]);
    }

    [Fact]
    public void Patching_sets_the_weak_flag_the_global_version_and_the_weak_binding_and_nothing_else()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();
        var before = File.ReadAllBytes(path);
        var factsBefore = Read(before);

        var plan = WeakVersionPatcher.PatchFile(path);

        plan.Outcome.Should().Be(PatchOutcome.Patched);
        plan.Library.Should().Be("libstdc++.so.6");
        plan.Symbols.Should().Equal(Symbol);
        var after = File.ReadAllBytes(path);
        after.Length.Should().Be(before.Length);
        var facts = Read(after);
        facts.VnaFlags.Should().Be(ElfImage.VerFlgWeak);
        facts.VersionIndex.Should().Be(factsBefore.VersionIndex, "the Vernaux entry keeps its index");
        facts.SymbolVersym.Should().Be(ElfImage.VerNdxGlobal);
        (facts.SymbolInfo >> 4).Should().Be(ElfImage.StbWeak);
        (facts.SymbolInfo & 0xf).Should().Be(factsBefore.SymbolInfo & 0xf, "the symbol type is kept");

        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).Select(i => (long)i).ToList();
        changed.Should().BeSubsetOf([factsBefore.FlagsOffset, factsBefore.FlagsOffset + 1, factsBefore.VersymOffset, factsBefore.VersymOffset + 1, factsBefore.InfoOffset]);
        changed.Should().Contain([factsBefore.FlagsOffset, factsBefore.VersymOffset, factsBefore.InfoOffset]);
    }

    [Fact]
    public void A_second_run_reports_already_patched_and_does_not_write()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();
        WeakVersionPatcher.PatchFile(path).Outcome.Should().Be(PatchOutcome.Patched);
        var once = File.ReadAllBytes(path);

        // Patch through a symbolic link: a write (temporary file + rename) would replace the link
        // itself with a regular file, so a link that survives proves nothing was written.
        var link = Path.Combine(temp.Path, "link.so");
        File.CreateSymbolicLink(link, path);

        var plan = WeakVersionPatcher.PatchFile(link);

        plan.Outcome.Should().Be(PatchOutcome.AlreadyPatched);
        plan.Edits.Should().BeEmpty();
        new FileInfo(link).LinkTarget.Should().Be(path, "the file was not rewritten");
        File.ReadAllBytes(path).Should().Equal(once);
        Directory.GetFiles(temp.Path).Should().HaveCount(2, "no temporary file is left");
    }

    [Fact]
    public void The_patched_file_keeps_its_mode_and_timestamp_and_no_temporary_file_is_left()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();
        var written = File.GetLastWriteTimeUtc(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        }

        WeakVersionPatcher.PatchFile(path).Outcome.Should().Be(PatchOutcome.Patched);

        // The same size and time as the package's copy: MSBuild's incremental copy then leaves it alone.
        File.GetLastWriteTimeUtc(path).Should().Be(written);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        }

        Directory.GetFiles(temp.Path).Select(Path.GetFileName).Should().Equal("libLibTorchSharp.so");
    }

    [Fact]
    public void Concurrent_runs_on_the_same_file_all_succeed_and_agree()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();
        var expected = WeakVersionPatcher.Apply(File.ReadAllBytes(path), WeakVersionPatcher.Plan(File.ReadAllBytes(path)));

        var outcomes = new PatchOutcome[8];
        Parallel.For(0, outcomes.Length, i => outcomes[i] = WeakVersionPatcher.PatchFile(path).Outcome);

        outcomes.Should().OnlyContain(o => o == PatchOutcome.Patched || o == PatchOutcome.AlreadyPatched);
        outcomes.Should().Contain(PatchOutcome.Patched);
        File.ReadAllBytes(path).Should().Equal(expected);
        Directory.GetFiles(temp.Path).Should().HaveCount(1);
    }

    [Fact]
    public void A_file_that_is_not_ELF_is_refused_and_left_unchanged()
    {
        using var temp = new TempFolder();
        var text = Encoding.ASCII.GetBytes("#!/bin/sh\necho this is not a shared library\n");
        var path = temp.Write("libLibTorchSharp.so", text);

        var act = () => WeakVersionPatcher.PatchFile(path);

        act.Should().Throw<ElfFormatException>().WithMessage("*not an ELF file*");
        File.ReadAllBytes(path).Should().Equal(text);
    }

    [Theory]
    [InlineData(4, 1, "*not a 64-bit ELF file*")]
    [InlineData(5, 2, "*not a little-endian ELF file*")]
    public void Other_ELF_classes_and_byte_orders_are_refused(int offset, byte value, string message)
    {
        var image = File.ReadAllBytes(ShimFiles.Pristine);
        image[offset] = value;

        var act = () => WeakVersionPatcher.Plan(image);

        act.Should().Throw<ElfFormatException>().WithMessage(message);
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        var image = File.ReadAllBytes(ShimFiles.Pristine).AsSpan(0, 100_000).ToArray();

        var act = () => WeakVersionPatcher.Plan(image);

        act.Should().Throw<ElfFormatException>().WithMessage("*lies outside the file*");
    }

    [Fact]
    public void Another_symbol_bound_to_the_version_is_refused_by_name()
    {
        // Bind a second, real function reference to GLIBCXX_3.4.32: weakening it could crash at run
        // time, so the patcher must refuse the whole file.
        var image = File.ReadAllBytes(ShimFiles.Pristine);
        var index = Read(image).VersionIndex;
        var other = new ElfImage(image).ReadDynamicSymbols()
            .First(s => s.IsUndefined && s.Name.StartsWith("_ZNSt", StringComparison.Ordinal) && s.VersionIndex > 1 && s.VersionIndex != index);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan((int)other.VersionOffset), index);

        var act = () => WeakVersionPatcher.Plan(image);

        act.Should().Throw<ElfFormatException>().WithMessage($"*{other.Name}*not known to be safe*");
    }

    [Fact]
    public void A_shim_that_does_not_require_the_version_is_left_alone()
    {
        var image = File.ReadAllBytes(ShimFiles.Pristine);
        var from = Encoding.ASCII.GetBytes("GLIBCXX_3.4.32\0");
        var to = Encoding.ASCII.GetBytes("GLIBCXX_3.4.29\0");
        var at = image.AsSpan().IndexOf(from);
        at.Should().BePositive();
        to.CopyTo(image, at);

        var plan = WeakVersionPatcher.Plan(image);

        plan.Outcome.Should().Be(PatchOutcome.NotRequired);
        plan.Edits.Should().BeEmpty();
    }
}
