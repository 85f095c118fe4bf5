using FluentAssertions;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>
/// Every Malformed/*.yaml states, in its comment header, the exact errors the loader must report:
/// <c># expect: LINE:COLUMN: MESSAGE; HINT</c>, with a <c>FILE:</c> prefix for errors located in another
/// file (a base), relative to the Malformed folder. Files under Malformed/bases are only bases.
/// </summary>
public sealed class MalformedScenarioTests
{
    private const string ExpectPrefix = "# expect: ";

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestFiles.MalformedDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_suite_has_at_least_thirty_files()
    {
        Directory.GetFiles(TestFiles.MalformedDirectory, "*.yaml").Should().HaveCountGreaterThanOrEqualTo(30);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_malformed_file_reports_exactly_its_expected_errors(string name)
    {
        var path = TestFiles.Malformed(name);
        var expected = File.ReadLines(path)
            .TakeWhile(line => line.StartsWith('#'))
            .Where(line => line.StartsWith(ExpectPrefix, StringComparison.Ordinal))
            .Select(line => line[ExpectPrefix.Length..])
            .ToList();
        expected.Should().NotBeEmpty("every malformed file states its expected errors in its header");

        var result = ScenarioLoader.Load(path);

        result.Spec.Should().BeNull();
        result.Errors.Select(error => Located(path, error)).Should().Equal(expected);
    }

    private static string Located(string path, ScenarioError error) =>
        error.File == path ? error.Describe() : $"{Path.GetRelativePath(TestFiles.MalformedDirectory, error.File).Replace('\\', '/')}:{error.Describe()}";
}
