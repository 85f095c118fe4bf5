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
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue an interrupted --out file: check that its run header (FILE.run.json) names the same input, scenario and parameters, cut off a torn last line, and re-score only the episodes it lacks. A missing file starts from the beginning.",
        };
        var format = SummaryFormatOption.Create();
        var command = new Command("score", "Re-score recorded trajectories under a scenario's reward specification without re-running the episodes (tool results are recorded), writing a new rollout file and printing the summary with reward diagnostics.")
        {
            rollouts, scenario, output, parameters, noProgress, resume, format,
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
            var pairs = CommonOptions.ParseParameters(result.GetValue(parameters)!);
            var environmentParameters = new EnvironmentParameters(pairs);
            var header = new RunHeader("score", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["input"] = Path.GetFullPath(input),
                ["input_sha256"] = OutputResume.Sha256Of(input),
                ["scenario"] = id,
                ["scenario_sha256"] = built is null ? "none" : OutputResume.Sha256Of(built.Path),
                ["parameters"] = string.Join(" ", pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
            });
            var start = OutputResume.Inspect(target, header, result.GetValue(resume));
            return await ScoreAsync(registry, id, environmentParameters, input, new ScoreOutput(target, header, start, SummaryFormatOption.Read(result, format)), !result.GetValue(noProgress), cancellationToken);
        });
        return command;
    }

    private static string DefaultOutput(string input)
    {
        var name = Path.GetFileName(input);
        var stem = name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? name[..^6] : name;
        return Path.Combine(Path.GetDirectoryName(input) ?? "", stem + ".rescored.jsonl");
    }

    private static async Task<int> ScoreAsync(EnvironmentRegistry registry, string id, EnvironmentParameters parameters, string input, ScoreOutput output, bool showProgress, CancellationToken cancellationToken)
    {
        var (target, header, start, format) = output;
        using var made = registry.Make(id, parameters);
        if (made is not IReplayableEnvironment environment)
        {
            throw new CliUsageException($"{id} cannot replay recorded episodes, so it cannot re-score them");
        }

        var total = CountLines(input);
        if (start.Lines > total)
        {
            throw new CliUsageException($"cannot resume {target}: it holds {start.Lines} episodes, more than the {total} of {input}");
        }

        var summary = new RolloutSummaryBuilder();
        var stopwatch = Stopwatch.StartNew();
        var written = 0;
        var cancelled = false;
        try
        {
            await using var writer = new StreamWriter(OpenOutput(target, start), new UTF8Encoding(false));
            OutputResume.Record(target, header, start);
            var progress = ProgressLine.Start("re-scoring", checked((int)(total - start.Lines)), showProgress);
            long index = 0;
            foreach (var record in JsonlTrajectoryReader.Read(input))
            {
                if (index++ < start.Lines)
                {
                    if (index == start.Lines)
                    {
                        // The file's last line must be this record's re-score: the same episode, environment, policy and seed.
                        OutputResume.CheckEpisodeLine(target, start.Lines, start.LastLine!, record.Episode, record.EnvironmentId, record.PolicyId, record.Seed);
                    }

                    continue;
                }

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
        catch (Exception ex) when (ex is not CliUsageException)
        {
            // A file that stops at a bad record would pass for a complete re-score; leave none.
            File.Delete(target);
            File.Delete(RunHeader.PathFor(target));
            throw;
        }

        if (format == SummaryFormat.Json)
        {
            SummaryJson.WriteScore(id, input, target, written, stopwatch.Elapsed, summary.Build());
        }
        else
        {
            SummaryTable.WriteScore(id, input, target, written, stopwatch.Elapsed, summary.Build());
        }

        if (start.Resumed)
        {
            var torn = start.TornBytes > 0 ? $" after cutting off a torn last line ({start.TornBytes} bytes)" : "";
            await Console.Error.WriteLineAsync($"resumed: {target} already held {start.Lines} re-scored episodes{torn}; this run added {written}");
        }

        if (cancelled)
        {
            await Console.Error.WriteLineAsync($"cancelled after {start.Lines + written} episodes; {target} holds them in order, and the same command with --resume re-scores the rest");
            return ExitCodes.Cancelled;
        }

        return ExitCodes.Success;
    }

    /// <summary>A fresh (truncated) output, or a resumed one cut back to its whole lines and positioned at their end.</summary>
    private static FileStream OpenOutput(string target, OutputResume.Start start)
    {
        var stream = new FileStream(target, start.Resumed ? FileMode.Open : FileMode.Create, FileAccess.Write, FileShare.Read);
        if (start.Resumed)
        {
            stream.SetLength(start.WholeBytes);
            stream.Seek(start.WholeBytes, SeekOrigin.Begin);
        }

        return stream;
    }

    private sealed record ScoreOutput(string Target, RunHeader Header, OutputResume.Start Start, SummaryFormat Format);

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
