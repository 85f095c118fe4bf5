using System.CommandLine;
using Gym.Scenarios;

namespace Gym.Cli.Commands;

/// <summary><c>gym validate</c>: checks scenario files and prints only their errors and a count.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Scenario files (.yaml or .yml) to check: every error of every file is printed as file:line:column: message; hint.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("validate", "Validate scenario files: unknown keys, wrong types, out-of-range values, missing files, extends cycles, and whether the scenario can be built. Exits 1 on any error.")
        {
            files,
        };
        command.SetAction(result =>
        {
            var errors = 0;
            foreach (var file in result.GetValue(files)!)
            {
                foreach (var line in Validate(file))
                {
                    Console.Error.WriteLine(line);
                    errors++;
                }
            }

            Console.Error.WriteLine(errors == 1 ? "1 error" : $"{errors} errors");
            return errors == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static IEnumerable<string> Validate(string file)
    {
        var registry = CommonOptions.CreateRegistry();
        var loaded = ScenarioLoader.Load(file, registry);
        if (loaded.Errors.Count > 0 || loaded.Spec is null)
        {
            return loaded.Errors.Select(e => e.ToString());
        }

        try
        {
            ScenarioEnvironments.Register(loaded.Spec, file, registry);
            return [];
        }
        catch (Exception ex) when (ex is ScenarioBuildException or ArgumentException or Core.Registry.EnvironmentParameterException)
        {
            return [ex is ScenarioBuildException ? ex.Message : $"{file}: error: {ex.Message}"];
        }
    }
}
