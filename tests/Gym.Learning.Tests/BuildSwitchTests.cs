using System.Diagnostics;
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
    [InlineData(null, "TorchSharp-cpu")]
    [InlineData("cpu", "TorchSharp-cpu")]
    [InlineData("cuda", "TorchSharp-cuda-linux")]
    [InlineData("CUDA", "TorchSharp-cuda-linux")]
    public void The_backend_switch_selects_exactly_one_backend_package(string? backend, string expected)
    {
        var args = new List<string> { "-getItem:PackageReference" };
        if (backend is not null)
        {
            args.Add($"-p:GymTorchBackend={backend}");
        }

        var (status, output) = DotnetMsbuild(args);

        status.Should().Be(0, output);
        using var json = JsonDocument.Parse(output);
        var packages = json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(p => p.GetProperty("Identity").GetString()).ToList();
        packages.Where(p => p!.StartsWith("TorchSharp", StringComparison.Ordinal)).Should().Equal(expected);
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
