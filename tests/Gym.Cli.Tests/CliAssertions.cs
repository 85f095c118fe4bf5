using FluentAssertions;

namespace Gym.Cli.Tests;

/// <summary>What every rejected command must look like to its user.</summary>
internal static class CliAssertions
{
    /// <summary>Bad input: exit code 2, one <c>error:</c> line containing <paramref name="expected"/>, no stack trace.</summary>
    public static void AssertUsageError(GymResult result, params string[] expected)
    {
        result.ExitCode.Should().Be(2, result.Because);
        var errors = result.StderrLines.Where(line => line.StartsWith("error:", StringComparison.Ordinal)).ToList();
        errors.Should().ContainSingle(result.Because);
        result.StderrLines.Should().HaveCountLessThanOrEqualTo(2, result.Because);
        foreach (var text in expected)
        {
            errors[0].Should().Contain(text, result.Because);
        }

        // At most the error and a pointer to --help.
        result.StderrLines.Except(errors).Where(line => !line.Contains("--help", StringComparison.Ordinal)).Should().BeEmpty(result.Because);
        AssertNoStackTrace(result);
        result.Stdout.Should().BeEmpty("a rejected command prints no summary; {0}", result.Because);
    }

    public static void AssertNoStackTrace(GymResult result)
    {
        var all = result.Stdout + result.Stderr;
        all.Should().NotContain("   at ", result.Because);
        all.Should().NotContain("Exception", result.Because);
    }
}
