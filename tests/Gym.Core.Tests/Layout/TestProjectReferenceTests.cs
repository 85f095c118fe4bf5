using System.Xml.Linq;
using FluentAssertions;
using Xunit;
using Gym.Testing;

namespace Gym.Core.Tests.Layout;

/// <summary>
/// Test projects share code through tests/Gym.Testing, a class library, never through each other:
/// a test project that references (or compiles files of) another couples the two and loads the
/// other's tests into its own output.
/// </summary>
public sealed class TestProjectReferenceTests
{
    private static readonly Lazy<IReadOnlyList<TestsProject>> Projects = new(ReadProjects);

    [Fact]
    public void The_scan_sees_the_test_projects_and_Gym_Testing_is_not_one()
    {
        var projects = Projects.Value;

        projects.Where(p => p.IsTestProject).Select(p => p.Name).Should().Contain(["Gym.Core.Tests", "Gym.Environments.ToolUse.Tests", "Gym.Scenarios.Tests"]);
        projects.Should().ContainSingle(p => p.Name == "Gym.Testing").Which.IsTestProject.Should().BeFalse();
        projects.Where(p => p.Name.EndsWith("Bench", StringComparison.Ordinal) || p.Name.EndsWith("Benchmarks", StringComparison.Ordinal))
            .Should().OnlyContain(p => !p.IsTestProject);
    }

    [Fact]
    public void No_test_project_references_another_test_project()
    {
        var testFolders = TestFolders();

        var offending = Projects.Value
            .Where(p => p.IsTestProject)
            .SelectMany(p => p.References.Where(r => testFolders.Contains(Path.GetDirectoryName(r)!) && Path.GetDirectoryName(r) != p.Folder)
                .Select(r => $"{p.Name} -> {Path.GetFileName(r)}"))
            .ToList();

        offending.Should().BeEmpty("shared test code belongs in tests/Gym.Testing, a class library");
    }

    [Fact]
    public void No_test_project_compiles_files_of_another_test_project()
    {
        var testFolders = TestFolders();

        var offending = Projects.Value
            .Where(p => p.IsTestProject)
            .SelectMany(p => p.CompiledFiles.Where(f => testFolders.Any(t => t != p.Folder && f.StartsWith(t + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                .Select(f => $"{p.Name} compiles {Path.GetRelativePath(Path.GetDirectoryName(p.Folder)!, f)}"))
            .ToList();

        offending.Should().BeEmpty("shared test code belongs in tests/Gym.Testing, a class library");
    }

    private static HashSet<string> TestFolders() => [.. Projects.Value.Where(p => p.IsTestProject).Select(p => p.Folder)];

    private static IReadOnlyList<TestsProject> ReadProjects()
    {
        var tests = Path.Combine(RepositoryRoot(), "tests");
        return [.. Directory.GetDirectories(tests)
            .SelectMany(folder => Directory.GetFiles(folder, "*.csproj"))
            .Order(StringComparer.Ordinal)
            .Select(TestsProject.Read)];
    }

    private static string RepositoryRoot() => RepositoryFolders.Root;

    /// <summary>One project under tests/: whether the build treats it as a test project, and what it references and compiles.</summary>
    private sealed record TestsProject(string Name, string Folder, bool IsTestProject, IReadOnlyList<string> References, IReadOnlyList<string> CompiledFiles)
    {
        public static TestsProject Read(string path)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var name = Path.GetFileNameWithoutExtension(path);
            var project = XDocument.Load(path);
            var elements = project.Descendants().ToList();

            // Directory.Build.props marks *.Tests; the xunit package and the test SDK mark a project too
            // (xunit.core's props set IsTestProject); a project's own IsTestProject has the last word.
            var explicitFlag = elements.Where(e => e.Name.LocalName == "IsTestProject").Select(e => (bool?)bool.Parse(e.Value.Trim())).LastOrDefault();
            var packages = elements.Where(e => e.Name.LocalName == "PackageReference").Select(e => (string?)e.Attribute("Include")).ToList();
            var isTest = explicitFlag ?? (name.EndsWith(".Tests", StringComparison.Ordinal) || packages.Contains("xunit") || packages.Contains("Microsoft.NET.Test.Sdk"));

            return new TestsProject(
                name,
                folder,
                isTest,
                [.. Includes(elements, "ProjectReference", folder)],
                [.. Includes(elements, "Compile", folder)]);
        }

        private static IEnumerable<string> Includes(IEnumerable<XElement> elements, string item, string folder) => elements
            .Where(e => e.Name.LocalName == item && e.Attribute("Include") is not null)
            .Select(e => Path.GetFullPath(Path.Combine(folder, e.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar))));
    }
}
