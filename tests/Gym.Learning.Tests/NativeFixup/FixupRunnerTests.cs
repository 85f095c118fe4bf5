using FluentAssertions;
using Gym.NativeFixup;
using Xunit;

namespace Gym.Learning.Tests.NativeFixup;

public sealed class FixupRunnerTests
{
    private static readonly HostLibrary Debian12 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
        new HashSet<string>(["GLIBCXX_3.4", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30", "CXXABI_1.3.13"]));

    private static readonly HostLibrary Debian13 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33",
        new HashSet<string>(["GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "GLIBCXX_3.4.33"]));

    private static (int Status, string Output, string Error) Run(IReadOnlyList<string> files, FixupMode mode, Func<HostLibrary?> host)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var status = new FixupRunner(output, error, host).Run(files, mode);
        return (status, output.ToString(), error.ToString());
    }

    [Fact]
    public void On_a_host_that_lacks_the_version_every_present_copy_is_patched()
    {
        using var temp = new TempFolder();
        var first = temp.CopyOfPristineShim();
        Directory.CreateDirectory(Path.Combine(temp.Path, "native"));
        var second = temp.CopyOfPristineShim(Path.Combine("native", "libLibTorchSharp.so"));

        var (status, output, error) = Run([first, second], FixupMode.Auto, () => Debian12);

        status.Should().Be(0);
        error.Should().BeEmpty();
        output.Should().Contain("stops at GLIBCXX_3.4.30").And.Contain($"{first}: patched").And.Contain($"{second}: patched");
        WeakVersionPatcher.Plan(File.ReadAllBytes(first)).Outcome.Should().Be(PatchOutcome.AlreadyPatched);
        WeakVersionPatcher.Plan(File.ReadAllBytes(second)).Outcome.Should().Be(PatchOutcome.AlreadyPatched);

        Run([first, second], FixupMode.Auto, () => Debian12).Output.Should().Contain($"{first}: already patched");
    }

    [Fact]
    public void On_a_host_that_has_the_version_nothing_is_touched()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();

        var (status, output, _) = Run([path], FixupMode.Auto, () => Debian13);

        status.Should().Be(0);
        output.Should().Contain("provides GLIBCXX_3.4.32; nothing to do");
        File.ReadAllBytes(path).Should().Equal(File.ReadAllBytes(ShimFiles.Pristine));
    }

    [Fact]
    public void Without_a_libstdcxx_on_the_host_nothing_is_touched()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();

        var (status, output, _) = Run([path], FixupMode.Auto, () => null);

        status.Should().Be(0);
        output.Should().Contain("no libstdc++ on this host");
        File.ReadAllBytes(path).Should().Equal(File.ReadAllBytes(ShimFiles.Pristine));
    }

    [Fact]
    public void Always_patches_without_asking_the_host()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();

        var (status, output, _) = Run([path], FixupMode.Always, () => throw new InvalidOperationException("the host must not be asked"));

        status.Should().Be(0);
        output.Should().Contain($"{path}: patched");
    }

    [Fact]
    public void Absent_files_are_skipped()
    {
        using var temp = new TempFolder();
        var absent = Path.Combine(temp.Path, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        var (status, output, error) = Run([absent], FixupMode.Auto, () => Debian12);

        status.Should().Be(0);
        error.Should().BeEmpty();
        output.Should().Contain($"{absent}: absent, skipped");
        File.Exists(absent).Should().BeFalse();
    }

    [Fact]
    public void A_refusal_is_an_MSBuild_error_line_on_the_file_and_a_non_zero_status()
    {
        using var temp = new TempFolder();
        var bad = temp.Write("libLibTorchSharp.so", [1, 2, 3, 4, 5]);
        var good = temp.CopyOfPristineShim("other.so");

        var (status, output, error) = Run([bad, good], FixupMode.Auto, () => Debian12);

        status.Should().Be(1);
        error.Should().StartWith($"{bad}: error {FixupRunner.ErrorCode}: ").And.Contain("not an ELF file").And.Contain("docs/learning.md");
        output.Should().Contain($"{good}: patched", "one bad file does not stop the others");
        File.ReadAllBytes(bad).Should().Equal([1, 2, 3, 4, 5]);
    }

    [Fact]
    public void An_unreadable_host_library_means_nothing_to_do()
    {
        using var temp = new TempFolder();
        var path = temp.CopyOfPristineShim();
        var notElf = temp.Write("libstdc++.so.6", [0, 1, 2]);

        var (status, output, _) = Run([path], FixupMode.Auto, () => HostLibStdCxx.Read(notElf));

        status.Should().Be(0);
        output.Should().Contain("could not read the host's libstdc++");
        File.ReadAllBytes(path).Should().Equal(File.ReadAllBytes(ShimFiles.Pristine));
    }
}
