using System.Text.RegularExpressions;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Layout;

/// <summary>
/// Rules a fresh clone depends on that no compiler checks: MSBuild paths are joined, never glued to
/// a property that may or may not end with a slash; every page under docs/ is reachable from the
/// docs index and the README's table.
/// </summary>
public sealed partial class RepositoryHygieneTests
{
    // $(Name) directly followed by a path character: "$(NuGetPackageRoot)torchsharp/..." works only
    // while the property happens to end with a slash (NUGET_PACKAGES=/x does not).
    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)(?=[A-Za-z0-9_.\-/\\])")]
    private static partial Regex GluedProperty();

    [Fact]
    public void No_MSBuild_file_glues_a_path_onto_a_property()
    {
        var offending = MsBuildFiles()
            .SelectMany(file => File.ReadAllLines(file).Select((line, i) => (file, line, number: i + 1)))
            .SelectMany(l => GluedProperty().Matches(l.line)
                .Select(m => $"{Path.GetRelativePath(RepositoryFolders.Root, l.file)}:{l.number}: $({m.Groups["name"].Value}) glued to '{l.line.Trim()}'"))
            .ToList();

        offending.Should().BeEmpty("a path is joined with $([System.IO.Path]::Combine(...)) or $([MSBuild]::NormalizePath(...))");
    }

    [Fact]
    public void The_glue_rule_catches_the_shapes_it_is_for()
    {
        GluedProperty().IsMatch("$(NuGetPackageRoot)torchsharp/x").Should().BeTrue();
        GluedProperty().IsMatch("$(OutDir)runtimes/linux-x64").Should().BeTrue();
        GluedProperty().IsMatch("$(NoWarn);CS1591").Should().BeFalse();
        GluedProperty().IsMatch("Combine('$(OutDir)', 'x')").Should().BeFalse();
        GluedProperty().IsMatch("libtorch-cpu-$(GymLibTorchRid)").Should().BeFalse();
    }

    [Fact]
    public void The_docs_index_and_the_README_link_every_page_under_docs()
    {
        var docs = Path.Combine(RepositoryFolders.Root, "docs");
        var index = File.ReadAllText(Path.Combine(docs, "README.md"));
        var readme = File.ReadAllText(Path.Combine(RepositoryFolders.Root, "README.md"));
        var pages = Directory.EnumerateFiles(docs, "*.md").Concat(Directory.EnumerateFiles(docs, "*.json"))
            .Select(f => Path.GetFileName(f)).Where(name => name != "README.md").ToList();
        var records = Directory.EnumerateFiles(Path.Combine(docs, "adr"), "*.md").Select(f => "adr/" + Path.GetFileName(f)).ToList();

        pages.Should().Contain(["rewards.md", "training.md"], "the scan should see the docs folder");
        pages.Concat(records).Where(page => !index.Contains($"]({page})", StringComparison.Ordinal))
            .Should().BeEmpty("docs/README.md lists every page");
        pages.Where(page => !readme.Contains($"](docs/{page})", StringComparison.Ordinal))
            .Should().BeEmpty("the README's documentation table lists every page");
        readme.Should().Contain("](docs/README.md)");
    }

    private static IEnumerable<string> MsBuildFiles() =>
        Directory.EnumerateFiles(RepositoryFolders.Root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal))
            .Where(f => !Path.GetRelativePath(RepositoryFolders.Root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or ".git" or "node_modules"));
}
