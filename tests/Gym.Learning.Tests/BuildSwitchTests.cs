using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using FluentAssertions;
using Gym.Learning.Tests.NativeFixup;
using Xunit;

namespace Gym.Learning.Tests;

/// <summary>
/// The backend switch in build/TorchBackend.props, checked by evaluating this very project with
/// `dotnet msbuild` (evaluation only: nothing is restored or built, so the CUDA package, which the
/// package source here lacks, is never fetched).
/// </summary>
public sealed class BuildSwitchTests
{
    [Theory]
    [InlineData(null, "TorchSharp", "HOST")]
    [InlineData("cpu", "TorchSharp", "HOST")]
    [InlineData("cuda", "TorchSharp-cuda-linux", null)]
    [InlineData("CUDA", "TorchSharp-cuda-linux", null)]
    public void The_backend_switch_selects_exactly_one_backend(string? backend, string torchSharp, string? libTorch)
    {
        var args = new List<string> { "-getItem:PackageReference" };
        if (backend is not null)
        {
            args.Add($"-p:GymTorchBackend={backend}");
        }

        var expected = libTorch is null ? [torchSharp] : new[] { torchSharp, HostLibTorchPackage() };
        TorchPackages(args).Should().Equal(expected);
    }

    [Theory]
    [InlineData("linux-x64", "libtorch-cpu-linux-x64")]
    [InlineData("osx-arm64", "libtorch-cpu-osx-arm64")]
    [InlineData("win-x64", "libtorch-cpu-win-x64")]
    [InlineData("win-arm64", "libtorch-cpu-win-arm64")]
    [InlineData("linux-arm64", "libtorch-cpu")]
    public void The_cpu_backend_restores_only_the_libtorch_of_one_platform(string rid, string expected)
    {
        TorchPackages(["-getItem:PackageReference", $"-p:GymLibTorchRid={rid}"])
            .Should().Equal("TorchSharp", expected);
    }

    [Theory]
    [InlineData("/packages")]
    [InlineData("/packages/")]
    public void The_pristine_shim_path_is_joined_whether_or_not_the_package_root_ends_with_a_slash(string root)
    {
        // NuGetPackageRoot is NUGET_PACKAGES as given: a fresh machine's may lack the slash.
        var (status, output) = DotnetMsbuild(["-getProperty:GymPristineTorchSharpShim", $"-p:NuGetPackageRoot={root}"]);

        status.Should().Be(0, output);
        output.Trim().Should().MatchRegex("^/packages/torchsharp/[^/]+/runtimes/linux-x64/native/libLibTorchSharp.so$");
    }

    private static List<string?> TorchPackages(IEnumerable<string> args)
    {
        var (status, output) = DotnetMsbuild(args);

        status.Should().Be(0, output);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(p => p.GetProperty("Identity").GetString())
            .Where(p => p!.StartsWith("TorchSharp", StringComparison.Ordinal) || p.StartsWith("libtorch", StringComparison.Ordinal))
            .ToList();
    }

    private static string HostLibTorchPackage()
    {
        var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : "win";
        var rid = $"{os}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
        return rid is "linux-x64" or "osx-arm64" or "win-x64" or "win-arm64" ? $"libtorch-cpu-{rid}" : "libtorch-cpu";
    }

    [Fact]
    public void An_unknown_backend_fails_the_build_with_the_choices()
    {
        var (status, output) = DotnetMsbuild(["-t:GymCheckTorchBackend", "-p:GymTorchBackend=rocm"]);

        status.Should().NotBe(0);
        output.Should().Contain("GymTorchBackend must be cpu or cuda, not 'rocm'");
    }

    private static (int Status, string Output) DotnetMsbuild(IEnumerable<string> args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        var info = new ProcessStartInfo(!string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "msbuild", ShimFiles.TestProject, "-nologo", "-nodeReuse:false" }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        // The test host may inherit the outer build's MSBuild settings; the child finds its own.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("dotnet msbuild should finish evaluating in time");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
