using FluentAssertions;
using Gym.NativeFixup;
using Xunit;

namespace Gym.Learning.Tests.NativeFixup;

public sealed class HostLibStdCxxTests
{
    [Fact]
    public void The_host_libstdcxx_is_the_one_mapped_into_this_process_and_its_versions_are_read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var host = HostLibStdCxx.Read();

        host.Should().NotBeNull("the .NET host links libstdc++ on Linux");
        Path.GetFileName(host!.Path).Should().StartWith("libstdc++.so.6");
        File.ReadAllText("/proc/self/maps").Should().Contain(host.Path);
        host.Versions.Should().Contain(["GLIBCXX_3.4", "GLIBCXX_3.4.30", "CXXABI_1.3"]);
        host.NewestGlibcxx.Should().MatchRegex(@"^GLIBCXX_3\.4\.(3\d)$");
    }

    [Fact]
    public void The_newest_glibcxx_version_is_compared_numerically()
    {
        var host = new HostLibrary("x", new HashSet<string>(["GLIBCXX_3.4", "GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_3.4.4", "CXXABI_1.3.15"]));

        host.NewestGlibcxx.Should().Be("GLIBCXX_3.4.30");
        host.Provides("GLIBCXX_3.4.32").Should().BeFalse();
    }
}
