using System.CommandLine;
using Gym.Core.Composition;
using Gym.Core.Registry;
using Spectre.Console;

namespace Gym.Cli.Commands;

/// <summary><c>gym list</c>: what the registry holds — environments, reward components, operators, state keys, modules.</summary>
internal static class ListCommand
{
    private static readonly string[] Sections = ["environments", "components", "operators", "state-keys", "dataset-formats", "modules"];

    public static Command Create()
    {
        var what = new Argument<string>("what")
        {
            Description = "What to list: environments (ids, descriptions, parameters), components (reward component kinds and their parameters), operators (scenario operators), state-keys (keys milestone conditions and shaping read), dataset-formats (the question files a scenario's task.dataset may name), or modules (the environment modules added).",
            DefaultValueFactory = _ => "environments",
        };
        what.AcceptOnlyFromAmong(Sections);
        var command = new Command("list", "List what the registered modules bring: environments with their parameters (the default), reward components, scenario operators, episode-state keys or the modules themselves.") { what };
        command.SetAction(parse =>
        {
            var registry = CommonOptions.CreateRegistry();
            AnsiConsole.Write(parse.GetValue(what) switch
            {
                "components" => Components(registry),
                "operators" => Operators(registry),
                "state-keys" => StateKeys(registry),
                "dataset-formats" => DatasetFormats(registry),
                "modules" => Modules(registry),
                _ => Environments(registry),
            });
            return ExitCodes.Success;
        });
        return command;
    }

    // First columns never wrap, so that redirected (80-column) output keeps each name whole: `gym list | grep ID` works.
    private static Table NewTable(string first, params string[] others)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn(new TableColumn(first).NoWrap());
        foreach (var column in others)
        {
            table.AddColumn(column);
        }

        return table;
    }

    private static Table Environments(EnvironmentRegistry registry)
    {
        var table = NewTable("id", "description", "parameters (--param key=value)");
        foreach (var descriptor in registry.All)
        {
            var parameters = string.Join("\n", descriptor.Parameters.Select(p => $"{p.Key}: {p.Value}"));
            table.AddRow(Markup.Escape(descriptor.Id), Markup.Escape(descriptor.Description), Markup.Escape(parameters));
        }

        return table;
    }

    private static Table Components(EnvironmentRegistry registry)
    {
        var table = NewTable("kind", "scope", "description", "params");
        foreach (var kind in registry.Rewards.Kinds)
        {
            var parameters = string.Join("\n", kind.Parameters.Select(p => $"{p.Name}: {p.Description}{(p.Default is null ? " (required)" : $" (default {p.Default})")}"));
            table.AddRow(Markup.Escape(kind.Kind), kind.Scope.ToString().ToLowerInvariant(), Markup.Escape(kind.Description), Markup.Escape(parameters));
        }

        return table;
    }

    private static Table Operators(EnvironmentRegistry registry)
    {
        var table = NewTable("kind", "description", "parameters");
        foreach (var kind in OperatorRegistry.BuiltInKinds.Order(StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(kind), "built into the scenario language (docs/scenarios.md)", "");
        }

        foreach (var kind in registry.Operators.Kinds)
        {
            var parameters = string.Join("\n", kind.Parameters.Select(p => $"{p.Name} ({p.Type.ToString().ToLowerInvariant()}): {p.Description}{(p.Default is null ? " (required)" : $" (default {p.Default})")}"));
            table.AddRow(Markup.Escape(kind.Kind), Markup.Escape(kind.Description), Markup.Escape(parameters));
        }

        return table;
    }

    private static Table StateKeys(EnvironmentRegistry registry)
    {
        var table = NewTable("key", "provider", "meaning");
        foreach (var key in Core.Rewards.StateValues.CoreKeys)
        {
            table.AddRow(Markup.Escape(key.Name), "core", Markup.Escape(key.Description));
        }

        foreach (var provider in registry.StateKeys.Providers)
        {
            foreach (var key in provider.Keys)
            {
                table.AddRow(Markup.Escape(key.Name), Markup.Escape(provider.Name), Markup.Escape(key.Description));
            }
        }

        return table;
    }

    private static Table DatasetFormats(EnvironmentRegistry registry)
    {
        var table = NewTable("format", "extensions", "what the files hold");
        foreach (var format in registry.DatasetFormats.All)
        {
            table.AddRow(Markup.Escape(format.Name), Markup.Escape(string.Join(", ", format.Extensions)), Markup.Escape(format.Description));
        }

        return table;
    }

    private static Table Modules(EnvironmentRegistry registry)
    {
        var table = NewTable("module", "environments");
        foreach (var module in registry.Modules)
        {
            var prefix = $"{module}/";
            table.AddRow(Markup.Escape(module), Markup.Escape(string.Join("\n", registry.All.Where(d => d.Id.StartsWith(prefix, StringComparison.Ordinal)).Select(d => d.Id))));
        }

        return table;
    }
}
