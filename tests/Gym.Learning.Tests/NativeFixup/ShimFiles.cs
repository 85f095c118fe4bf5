using System.Reflection;
using FluentAssertions;

namespace Gym.Learning.Tests.NativeFixup;

/// <summary>Where the test inputs are: the pristine shim in the NuGet cache and this build's own copy.</summary>
internal static class ShimFiles
{
    /// <summary>TorchSharp's libLibTorchSharp.so as the package ships it (never written to).</summary>
    public static string Pristine
    {
        get
        {
            var path = Metadata("PristineTorchSharpShim");
            File.Exists(path).Should().BeTrue($"the TorchSharp package's shim should be in the NuGet cache at {path}");
            return path;
        }
    }

    /// <summary>The copy in this test project's build output, which the build step has dealt with.</summary>
    public static string InOutput => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>This test project's .csproj (for evaluating the build switches).</summary>
    public static string TestProject => Metadata("TestProjectPath");

    private static string Metadata(string key) =>
        typeof(ShimFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is empty");
}

/// <summary>A fresh folder under the system temp folder, removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gym-learning-tests-" + System.IO.Path.GetRandomFileName());
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Copies the pristine shim here (keeping its timestamp, as MSBuild's copy does).</summary>
    public string CopyOfPristineShim(string name = "libLibTorchSharp.so")
    {
        var target = System.IO.Path.Combine(Path, name);
        File.Copy(ShimFiles.Pristine, target);
        File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(ShimFiles.Pristine));
        return target;
    }

    public string Write(string name, byte[] bytes)
    {
        var target = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(target, bytes);
        return target;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
