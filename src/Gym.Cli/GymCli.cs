using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Gym.Cli.Commands;
using Gym.Core;
using Spectre.Console;

namespace Gym.Cli;

/// <summary>The <c>gym</c> command line: parses arguments, dispatches, and maps failures to exit codes.</summary>
public static class GymCli
{
    /// <summary>Runs the CLI and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        StartupTrace.Mark("main entered");
        var code = await RunCommandLineAsync(args);
        StartupTrace.Mark("exit");
        return code;
    }

    private static async Task<int> RunCommandLineAsync(string[] args)
    {
        // Context-token counts may use a Hugging Face tokenizer.json (gym run --tokenizer, a scenario's memory.tokenizer).
        Gym.Core.Context.TokenCounters.RegisterJsonTokenizer(HuggingFaceTokenCounting.Load);
        UseNaturalWidthWhenRedirected();
        var root = CreateRoot();
        StartupTrace.Mark("commands built");
        if (IsTopLevelHelp(args))
        {
            await Console.Out.WriteAsync(Overview.Render(root));
            return ExitCodes.Success;
        }

        var parsed = root.Parse(args);
        StartupTrace.Mark("command line parsed");
        if (parsed.Errors.Count > 0 && !IsHelpRequest(args))
        {
            var command = parsed.CommandResult.Command;
            if (command == root && UnknownCommand(root, parsed) is { } unknown)
            {
                // "gym frobnicate" gave two lines (no command, unrecognized argument) for one mistake.
                await Console.Error.WriteLineAsync(unknown);
                return ExitCodes.Usage;
            }

            // One clear line per problem instead of the parser's error-plus-usage dump.
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            var path = command == root ? "gym" : $"gym {command.Name}";
            await Console.Error.WriteLineAsync($"Run '{path} --help' for usage.");
            return ExitCodes.Usage;
        }

        // We own SIGINT/SIGTERM handling so that both drain the run and flush output the same way.
        using var cancellation = new CancellationTokenSource();
        var stopping = StoppingMessage(parsed.CommandResult.Command.Name);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, cancellation, stopping));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, cancellation, stopping));
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, cancellation.Token);
        }
        catch (Exception ex) when (CliErrors.Describe(ex) is { } message)
        {
            foreach (var line in message.Split(Environment.NewLine))
            {
                await Console.Error.WriteLineAsync($"error: {line}");
            }

            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (TypeInitializationException ex) when (ex.TypeName?.StartsWith("TorchSharp", StringComparison.Ordinal) == true)
        {
            // TorchSharp's own message blames a missing package reference, whatever the cause (on Debian 12 it is
            // an unpatched libLibTorchSharp.so in the folder gym runs from).
            await Console.Error.WriteLineAsync($"error: TorchSharp's native backend could not be loaded from {AppContext.BaseDirectory} ({ex.InnerException?.GetType().Name ?? ex.GetType().Name}); build gym with the project that imports build/TorchBackend.props, which adds the backend and patches its shim on Debian 12 (docs/learning.md, \"Native runtime\")");
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"error: unexpected failure: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>One line for a first word that names no command, with the nearest command and the list; null when the first word is not the problem.</summary>
    private static string? UnknownCommand(RootCommand root, ParseResult parsed)
    {
        var word = parsed.UnmatchedTokens.Count > 0 ? parsed.UnmatchedTokens[0] : null;
        if (word is null || word.StartsWith('-'))
        {
            return null;
        }

        var names = root.Subcommands.Select(c => c.Name).ToList();
        var nearest = Gym.Core.Suggestions.Nearest(word, names);
        var suggestion = nearest is null ? "" : $"did you mean '{nearest}'? ";
        return $"error: unknown command '{word}'; {suggestion}commands: {string.Join(", ", names)} (gym --help describes them)";
    }


    /// <summary>The root command with every subcommand.</summary>
    internal static RootCommand CreateRoot() =>
        new("Gym: multi-turn environments for training LLM agents with reinforcement learning.")
        {
            RunCommand.Create(),
            ListCommand.Create(),
            CheckCommand.Create(),
            ValidateCommand.Create(),
            ScoreCommand.Create(),
            ExportCommand.Create(),
            RenderCommand.Create(),
            TrainCommand.Create(),
            SftCommand.Create(),
            ServeCommand.Create(),
            ServePolicyCommand.Create(),
            ClusterCommands.CreateWorker(),
        };

    /// <summary>
    /// Spectre.Console draws for 80 columns when output goes to a file or a pipe, wrapping table titles
    /// and cell names (a file has no width). There, tables take their natural width instead: COLUMNS
    /// when set (a caller that wants a limit), otherwise wide enough for any summary.
    /// </summary>
    private static void UseNaturalWidthWhenRedirected()
    {
        if (!Console.IsOutputRedirected)
        {
            return;
        }

        var columns = Environment.GetEnvironmentVariable("COLUMNS");
        AnsiConsole.Profile.Width = int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out var width) && width > 0 ? width : RedirectedWidth;
    }

    /// <summary>The width tables may take in a redirected stream without COLUMNS: wider than any summary table.</summary>
    internal const int RedirectedWidth = 400;

    // `gym --help` alone (not `gym run --help`): the overview with each command's most used options.
    private static bool IsTopLevelHelp(string[] args) => args.Length == 1 && args[0] is "-h" or "--help" or "-?";

    private static bool IsHelpRequest(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");

    /// <summary>What a stop does for <paramref name="command"/>, told to the user when Ctrl+C or SIGTERM arrives.</summary>
    private static string StoppingMessage(string command) => command switch
    {
        "serve" => "closing every session and stopping the server",
        "serve-policy" => "stopping the server",
        "worker" => "leaving the cluster",
        "train" or "sft" => "saving final/ and the metrics so far",
        "validate" => "the files not yet checked are skipped",
        "list" => "nothing more is listed",
        _ => "finished episodes are being written",
    };

    private static void Stop(PosixSignalContext context, CancellationTokenSource cancellation, string stopping)
    {
        if (cancellation.IsCancellationRequested)
        {
            // A second Ctrl+C means "now": let the default handler end the process.
            return;
        }

        context.Cancel = true;
        Console.Error.WriteLine($"{context.Signal}: stopping; {stopping} (press Ctrl+C again to abort)");
        cancellation.Cancel();
    }
}

/// <summary>The process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Everything worked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure, or a check that did not pass.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: unknown id, bad option, unwritable path.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C or SIGTERM (output is complete up to the stop).</summary>
    public const int Cancelled = 130;
}
