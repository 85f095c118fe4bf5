using System.CommandLine;
using Gym.Core.Checking;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Spectre.Console;

namespace Gym.Cli.Commands;

/// <summary><c>gym check</c>: runs the environment contract checker against a registered environment.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var id = CommonOptions.EnvironmentId();
        var parameters = CommonOptions.Parameters();
        var seeds = new Option<int>("--seeds") { Description = "How many seeds (0..N-1) to probe.", DefaultValueFactory = _ => 5 };
        var command = new Command("check", "Check that an environment honours the contract: seeding, shapes, rewards, termination vs truncation, malformed actions.")
        {
            id, parameters, seeds,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var values = CommonOptions.ParseParameters(result.GetValue(parameters)!);
            var seedCount = result.GetValue(seeds);
            if (seedCount is < 1 or > 10_000)
            {
                throw new CliUsageException($"--seeds must be between 1 and 10000 (got {seedCount})");
            }

            var (registry, environmentId, scenario) = CommonOptions.Resolve(result.GetValue(id)!);
            using var loaded = scenario;
            var descriptor = registry.Get(environmentId);
            registry.Make(environmentId, new EnvironmentParameters(values)).Dispose();
            var expert = descriptor.CreateExpert?.Invoke(new EnvironmentParameters(values), new ExpertSettings());
            var report = await EnvironmentChecker.CheckAsync(
                () => registry.Make(environmentId, new EnvironmentParameters(values)),
                expert,
                [.. Enumerable.Range(0, seedCount).Select(i => (long)i)],
                cancellationToken);

            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(environmentId)}[/]");
            table.AddColumn("check").AddColumn("result").AddColumn("detail");
            foreach (var check in report.Results)
            {
                table.AddRow(Markup.Escape(check.Name), check.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(check.Detail));
            }

            AnsiConsole.Write(table);
            var failed = report.Results.Count(r => !r.Passed);
            AnsiConsole.MarkupLine(failed == 0 ? $"[green]all {report.Results.Count} checks passed[/]" : $"[red]{failed} of {report.Results.Count} checks failed[/]");
            return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
