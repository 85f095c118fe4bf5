using System.Globalization;
using Spectre.Console;

namespace Gym.Cli.Training;

/// <summary>Where <c>gym sft</c> and <c>gym train</c> put things in their run folder, and their closing summary.</summary>
internal static class RunFolder
{
    /// <summary>The checkpoint saved after <paramref name="step"/> steps.</summary>
    public static string Checkpoint(string folder, int step) => Path.Combine(folder, "checkpoints", string.Create(CultureInfo.InvariantCulture, $"step-{step:D6}"));

    /// <summary>The checkpoint saved when the run ends (also after Ctrl+C).</summary>
    public static string Final(string folder) => Path.Combine(folder, "final");

    /// <summary>The episodes of the held-out evaluation after <paramref name="step"/> steps.</summary>
    public static string EvalRollouts(string folder, int step) => Path.Combine(folder, "eval", string.Create(CultureInfo.InvariantCulture, $"step-{step:D6}.jsonl"));

    /// <summary>Prints the summary table titled <c>gym COMMAND · SUBJECT</c> and writes the same rows to summary.txt.</summary>
    public static void WriteSummary(string folder, string command, string subject, bool cancelled, IReadOnlyList<(string Name, string Value)> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]gym {command}[/] · {Markup.Escape(subject)}{(cancelled ? " · [yellow]stopped early[/]" : "")}");
        table.AddColumn("run").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in rows)
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        AnsiConsole.Write(table);
        File.WriteAllLines(Path.Combine(folder, "summary.txt"), rows.Select(r => $"{r.Name}: {r.Value}"));
    }
}
