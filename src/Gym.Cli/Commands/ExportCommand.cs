using System.CommandLine;
using System.CommandLine.Parsing;
using Gym.Core.Trajectories;

namespace Gym.Cli.Commands;

/// <summary><c>gym export</c>: converts a rollout file to Parquet for pandas, Hugging Face datasets and Spark (docs/rollouts.md).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var rollouts = new Argument<string>("rollouts.jsonl") { Description = "The rollout file to convert (written by gym run or gym score)." };
        var to = new Option<string>("--to")
        {
            Description = "The output format. Only 'parquet' for now.",
            Required = true,
            HelpName = "parquet",
        };
        to.Validators.Add(r => OneOf(r, "--to", ["parquet"]));
        var rows = new Option<string>("--rows")
        {
            Description = "What one row holds: 'turn' (one row per turn: context, action text, token ids, log-probs, reward components) or 'episode' (one row per episode: the whole conversation, actions, component totals). Default: turn.",
            DefaultValueFactory = _ => "turn",
            HelpName = "turn|episode",
        };
        rows.Validators.Add(r => OneOf(r, "--rows", ["turn", "episode"]));
        var output = new Option<string?>("--out", "-o")
        {
            Description = "The file to write (default: the input's name with .parquet). It is written to a temporary file and renamed at the end, so it is never left half-written (Ctrl+C keeps any previous file).",
            HelpName = "file.parquet",
        };
        var command = new Command("export", "Convert a rollout file (JSONL) to Parquet, one row per turn or per episode, with the schema in docs/rollouts.md; read it with pandas.read_parquet or datasets.load_dataset(\"parquet\", ...).")
        {
            rollouts, to, rows, output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var input = result.GetValue(rollouts)!;
            if (!File.Exists(input))
            {
                throw new CliUsageException($"{input}: no such rollout file");
            }

            var target = result.GetValue(output) ?? DefaultOutput(input);
            if (string.Equals(Path.GetFullPath(target), Path.GetFullPath(input), StringComparison.Ordinal))
            {
                throw new CliUsageException($"{target}: the output must not be the input file");
            }

            if (Directory.Exists(target))
            {
                throw new CliUsageException($"{target}: is a folder; --out takes a file name (e.g. {Path.Combine(target, "rollouts.parquet")})");
            }

            if (Path.GetDirectoryName(Path.GetFullPath(target)) is { } folder && !Directory.Exists(folder))
            {
                throw new CliUsageException($"{target}: the folder {folder} does not exist");
            }

            var layout = result.GetValue(rows) == "episode" ? ParquetRowLayout.Episode : ParquetRowLayout.Turn;
            var episodes = JsonlTrajectoryReader.Read(input).ToList();
            if (episodes.Count == 0)
            {
                throw new CliUsageException($"{input}: no episodes to export (the file is empty)");
            }

            int written;
            try
            {
                written = await ParquetRolloutWriter.WriteAsync(episodes, target, layout, cancellationToken);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new CliUsageException($"{target}: cannot write: {ex.Message}");
            }

            Console.WriteLine($"wrote {written} {(layout == ParquetRowLayout.Turn ? "turn" : "episode")} rows from {episodes.Count} episodes to {target}");
            return ExitCodes.Success;
        });
        return command;
    }

    // One error line (the parser's own list of choices spans several).
    private static void OneOf(OptionResult result, string option, string[] choices)
    {
        var value = result.GetValueOrDefault<string>();
        if (!choices.Contains(value, StringComparer.Ordinal))
        {
            result.AddError($"{option} must be {string.Join(" or ", choices)} (got '{value}')");
        }
    }

    private static string DefaultOutput(string input)
    {
        var name = Path.GetFileName(input);
        var stem = name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? name[..^6] : name;
        return Path.Combine(Path.GetDirectoryName(input) ?? "", stem + ".parquet");
    }
}
