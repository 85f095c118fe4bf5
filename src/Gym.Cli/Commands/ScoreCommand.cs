using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Trajectories;

namespace Gym.Cli.Commands;

/// <summary>
/// <c>gym score</c>: recomputes the rewards of a rollout file under a scenario's (changed) reward
/// specification by replaying the recorded actions with their recorded tool results; no policy or
/// tool runs, so re-scoring a large file takes seconds.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var rollouts = new Argument<string>("rollouts.jsonl") { Description = "The rollout file to re-score (written by gym run)." };
        var scenario = new Option<string>("--scenario")
        {
            Description = "The scenario (file or registered id) whose reward specification to apply; its task, action format and turn limit must be those the rollouts were played with.",
            Required = true,
            HelpName = "scenario.yaml|env-id",
        };
        var output = new Option<string?>("--out", "-o") { Description = "The re-scored rollout file to write (default: the input's name with .rescored.jsonl). Never the input itself." };
        var parameters = CommonOptions.Parameters();
        var noProgress = new Option<bool>("--no-progress") { Description = "Do not draw the live progress bar." };
        var command = new Command("score", "Re-score recorded trajectories under a scenario's reward specification without re-running the episodes (tool results are recorded), writing a new rollout file and printing the summary with reward diagnostics.")
        {
            rollouts, scenario, output, parameters, noProgress,
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

            var (registry, id, built) = CommonOptions.Resolve(result.GetValue(scenario)!);
            using var loaded = built;
            var environmentParameters = new EnvironmentParameters(CommonOptions.ParseParameters(result.GetValue(parameters)!));
            return await ScoreAsync(registry, id, environmentParameters, input, target, !result.GetValue(noProgress), cancellationToken);
        });
        return command;
    }

    private static string DefaultOutput(string input)
    {
        var name = Path.GetFileName(input);
        var stem = name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? name[..^6] : name;
        return Path.Combine(Path.GetDirectoryName(input) ?? "", stem + ".rescored.jsonl");
    }

    private static async Task<int> ScoreAsync(EnvironmentRegistry registry, string id, EnvironmentParameters parameters, string input, string target, bool showProgress, CancellationToken cancellationToken)
    {
        using var made = registry.Make(id, parameters);
        if (made is not IReplayableEnvironment environment)
        {
            throw new CliUsageException($"{id} cannot replay recorded episodes, so it cannot re-score them");
        }

        var total = CountLines(input);
        var summary = new RolloutSummaryBuilder();
        var stopwatch = Stopwatch.StartNew();
        var written = 0;
        var cancelled = false;
        try
        {
            await using var writer = new StreamWriter(target, append: false, new UTF8Encoding(false));
            var progress = ProgressLine.Start("re-scoring", total, showProgress);
            foreach (var record in JsonlTrajectoryReader.Read(input))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }

                var rescored = await EpisodeRescorer.RescoreAsync(environment, record, cancellationToken);
                // One whole line per write: a stop between episodes leaves a valid file.
                await writer.WriteAsync(TrajectoryJson.Serialize(rescored) + "\n");
                summary.Add(rescored);
                progress.Advance(++written);
            }

            await writer.FlushAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }
        catch (Exception)
        {
            // A file that stops at a bad record would pass for a complete re-score; leave none.
            File.Delete(target);
            throw;
        }

        SummaryTable.WriteScore(id, input, target, written, stopwatch.Elapsed, summary.Build());
        if (cancelled)
        {
            await Console.Error.WriteLineAsync($"cancelled after {written} episodes; {target} holds them");
            return ExitCodes.Cancelled;
        }

        return ExitCodes.Success;
    }

    private static int CountLines(string path)
    {
        var count = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                count++;
            }
        }

        return count;
    }
}
