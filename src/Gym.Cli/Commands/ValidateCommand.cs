using System.CommandLine;
using System.Text.RegularExpressions;
using Gym.Scenarios;

namespace Gym.Cli.Commands;

/// <summary>
/// <c>gym validate</c>: checks every scenario file given, the way <c>gym run</c> loads it (YAML, then
/// the build, which reads its dataset, question and corpus files and its judge settings), and prints
/// each valid file on stdout and every error on stderr, then a count.
/// </summary>
internal static partial class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Scenario files (.yaml or .yml) to check: every error of every file is printed as file:line:column: error: message; hint (an error in a data file the scenario reads as data-file:line: error: message (scenario file)).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(
            "validate",
            "Validate scenario files: unknown keys, wrong types, out-of-range values, missing files, extends cycles, and whether the scenario can be built as gym run builds it, "
            + "which reads its data files (task.dataset, search-QA questions and corpus) and judge settings. Every file is checked; each valid one is printed as 'FILE: valid'. "
            + "Exit codes: 0 every file is valid, 1 some file has an error, 2 usage error (no file given, unknown option).")
        {
            files,
        };
        command.SetAction((result, cancellation) =>
        {
            var errors = 0;
            var checkedFiles = 0;
            var valid = 0;
            foreach (var file in result.GetValue(files)!)
            {
                checkedFiles++;
                cancellation.ThrowIfCancellationRequested();
                var (found, omitted) = Validate(file, cancellation);
                foreach (var line in found)
                {
                    Console.Error.WriteLine(line);
                }

                if (found.Count == 0)
                {
                    Console.WriteLine($"{file}: valid");
                    valid++;
                }

                if (omitted > 0)
                {
                    Console.Error.WriteLine($"{file}: {ScenarioLoadResult.DescribeOmitted(omitted)}");
                }

                errors += found.Count + omitted;
            }

            Console.Error.WriteLine(ValidationCount(checkedFiles, valid, errors));
            return Task.FromResult(errors == 0 ? ExitCodes.Success : ExitCodes.Failure);
        });
        return command;
    }

    /// <summary>The closing line: how many files were checked, how many are valid, how many errors in all.</summary>
    internal static string ValidationCount(int files, int valid, int errors) =>
        $"{files} {(files == 1 ? "file" : "files")} checked: {valid} valid, {errors} {(errors == 1 ? "error" : "errors")}";

    /// <summary>The errors of <paramref name="file"/>, one line each; empty when it is valid.</summary>
    private static (List<string> Errors, int Omitted) Validate(string file, CancellationToken cancellation)
    {
        try
        {
            // Exactly what gym run does: load, validate, build (reading every data file) and draw one task.
            using var built = ScenarioEnvironments.Load(file, CommonOptions.CreateRegistry(), cancellation);
            return ([], 0);
        }
        catch (ScenarioLoadException ex)
        {
            return (ex.Errors.Select(e => e.ToString()).ToList(), ex.Omitted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A user error (a bad data line, a bad parameter) or a bug: either way this file is not valid, and the next is still checked.
            var message = CliErrors.Describe(ex) ?? $"unexpected failure: {ex.GetType().Name}: {ex.Message}";
            return (message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => Locate(file, line)).ToList(), 0);
        }
    }

    /// <summary>
    /// One error line: a message that starts at a data file's line (<c>data.jsonl:3: not valid JSON</c>) is
    /// reported there, <c>data.jsonl:3: error: not valid JSON (bad.yaml)</c> (one about a whole data file
    /// at the file, <c>data.jsonl: error: …</c>); any other is reported at the
    /// scenario file, <c>bad.yaml: error: message</c>.
    /// </summary>
    private static string Locate(string file, string message)
    {
        var own = $"{file}: error: ";
        if (message.StartsWith(own, StringComparison.Ordinal))
        {
            message = message[own.Length..];
        }

        var scenarioLocated = ScenarioLocated().Match(message);
        if (scenarioLocated.Success && File.Exists(scenarioLocated.Groups["path"].Value))
        {
            // Already at a line and column of the scenario (or one of its bases): a build problem traced to its value.
            return message;
        }

        var located = DataLocation().Match(message);
        if (located.Success && File.Exists(located.Groups["path"].Value))
        {
            return $"{Shorten(located.Groups["path"].Value)}:{located.Groups["line"].Value}: error: {located.Groups["reason"].Value} ({file})";
        }

        var whole = DataFile().Match(message);
        if (whole.Success && File.Exists(whole.Groups["path"].Value))
        {
            return $"{Shorten(whole.Groups["path"].Value)}: error: {whole.Groups["reason"].Value} ({file})";
        }

        return $"{own}{message}";
    }

    /// <summary>A path under the working folder is shown relative to it, as the user would type it.</summary>
    private static string Shorten(string path)
    {
        if (!Path.IsPathRooted(path))
        {
            return path;
        }

        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    [GeneratedRegex(@"^(?<path>.+?):\d+:\d+: error: ")]
    private static partial Regex ScenarioLocated();

    [GeneratedRegex(@"^(?<path>.+?):(?<line>\d+): (?<reason>.+)$")]
    private static partial Regex DataLocation();

    [GeneratedRegex(@"^(?<path>[^:]+): (?<reason>.+)$")]
    private static partial Regex DataFile();
}
