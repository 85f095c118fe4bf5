using System.CommandLine;
using Spectre.Console;

namespace Gym.Cli.Commands;

/// <summary><c>gym list</c>: the registered environments and their parameters.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the registered environments with their descriptions and parameters.");
        command.SetAction(_ =>
        {
            var table = new Table().Border(TableBorder.Rounded);
            // Ids never wrap, so that redirected (80-column) output still has each id whole: `gym list | grep ID` works.
            table.AddColumn(new TableColumn("id").NoWrap()).AddColumn("description").AddColumn("parameters (--param key=value)");
            foreach (var descriptor in CommonOptions.CreateRegistry().All)
            {
                var parameters = string.Join("\n", descriptor.Parameters.Select(p => $"{p.Key}: {p.Value}"));
                table.AddRow(Markup.Escape(descriptor.Id), Markup.Escape(descriptor.Description), Markup.Escape(parameters));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
