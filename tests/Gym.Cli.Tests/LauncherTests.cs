using System.Diagnostics;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// The <c>./gym</c> launcher at the repository root, run by bash in a copy of the repository's shape
/// whose src/Gym.Cli is a small console program (building the real CLI in Release would double the
/// suite's build): it builds once, then runs the built program, and rebuilds when a source changes.
/// </summary>
public sealed class LauncherTests
{
    [Fact]
    public async Task The_launcher_builds_once_runs_the_program_and_rebuilds_only_when_a_source_changed()
    {
        using var dir = new TempDirectory();
        var root = dir.Path;
        var cli = RepositoryShape(root);
        var program = Path.Combine(cli, "Program.cs");
        File.WriteAllText(program, "Console.WriteLine(\"first \" + string.Join(' ', args)); return 3;\n");

        var built = await LaunchAsync(root, "a", "b");
        var again = await LaunchAsync(root, "c");
        File.WriteAllText(program, "Console.WriteLine(\"second \" + string.Join(' ', args)); return 0;\n");
        File.SetLastWriteTimeUtc(program, DateTime.UtcNow.AddSeconds(5));
        var rebuilt = await LaunchAsync(root, "d");

        built.Stdout.Trim().Should().Be("first a b", built.Stderr);
        built.ExitCode.Should().Be(3, "the program's exit code passes through");
        built.Stderr.Should().Contain("building src/Gym.Cli (Release)");
        File.Exists(Path.Combine(cli, "bin", "Release", "net10.0", "gym.dll")).Should().BeTrue();
        again.Stdout.Trim().Should().Be("first c");
        again.Stderr.Should().BeEmpty("nothing changed, so nothing is built");
        rebuilt.Stdout.Trim().Should().Be("second d", rebuilt.Stderr);
        rebuilt.Stderr.Should().Contain("building");
        rebuilt.ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task A_build_that_fails_shows_the_compiler_error_and_exits_non_zero()
    {
        using var dir = new TempDirectory();
        var root = dir.Path;
        var cli = RepositoryShape(root);
        File.WriteAllText(Path.Combine(cli, "Program.cs"), "this is not C#\n");

        var result = await LaunchAsync(root);

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("error CS").And.Contain("gym: the build failed");
        File.Exists(Path.Combine(cli, "bin", "Release", "net10.0", ".gym-launcher-stamp")).Should().BeFalse("a failed build is retried next time");
    }

    [Fact]
    public async Task The_CLI_project_packs_as_a_dotnet_tool_named_gym()
    {
        // Evaluation only: a real pack carries libtorch (hundreds of MB), measured once in docs/benchmarks.md.
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "msbuild", RepositoryFolders.Path("src", "Gym.Cli", "Gym.Cli.csproj"), "-nologo", "-nodeReuse:false", "-getProperty:PackAsTool", "-getProperty:ToolCommandName", "-getProperty:PackageId", "-getProperty:IsPackable" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            info.Environment.Remove(name);
        }

        using var process = Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        process.ExitCode.Should().Be(0, stdout + stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        var properties = json.RootElement.GetProperty("Properties");
        properties.GetProperty("PackAsTool").GetString().Should().Be("true");
        properties.GetProperty("ToolCommandName").GetString().Should().Be("gym");
        properties.GetProperty("PackageId").GetString().Should().Be("Gym.Cli", "the README's install command names it");
        properties.GetProperty("IsPackable").GetString().Should().Be("true");
    }

    /// <summary>The files the launcher looks at, around a console program named gym in src/Gym.Cli; returns that folder.</summary>
    private static string RepositoryShape(string root)
    {
        File.Copy(RepositoryFolders.Path("gym"), Path.Combine(root, "gym"));
        File.Copy(RepositoryFolders.Path("global.json"), Path.Combine(root, "global.json"));
        foreach (var folder in new[] { "environments", "tools", "build" })
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
        }

        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "BannedSymbols.txt"), "");
        var cli = Directory.CreateDirectory(Path.Combine(root, "src", "Gym.Cli")).FullName;
        File.WriteAllText(Path.Combine(cli, "Gym.Cli.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <AssemblyName>gym</AssemblyName>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        return cli;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> LaunchAsync(string root, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        info.ArgumentList.Add(Path.Combine(root, "gym"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The test host's MSBuild settings must not leak into the launcher's own dotnet build.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
