using System.CommandLine;
using System.Runtime.InteropServices;
using Gym.Cli.Commands;

namespace Gym.Cli;

/// <summary>The <c>gym</c> command line: parses arguments, dispatches, and maps failures to exit codes.</summary>
public static class GymCli
{
    /// <summary>Runs the CLI and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Gym: multi-turn environments for training LLM agents with reinforcement learning.")
        {
            RunCommand.Create(),
            ListCommand.Create(),
            CheckCommand.Create(),
            ValidateCommand.Create(),
            ScoreCommand.Create(),
            TrainCommand.Create(),
            SftCommand.Create(),
            ServeCommand.Create(),
            ServePolicyCommand.Create(),
            ClusterCommands.CreateWorker(),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && !IsHelpRequest(args))
        {
            // One clear line per problem instead of the parser's error-plus-usage dump.
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            var command = parsed.CommandResult.Command;
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

    private static bool IsHelpRequest(string[] args) => args.Any(a => a is "-h" or "--help" or "-?");

    /// <summary>What a stop does for <paramref name="command"/>, told to the user when Ctrl+C or SIGTERM arrives.</summary>
    private static string StoppingMessage(string command) => command switch
    {
        "serve" => "closing every session and stopping the server",
        "serve-policy" => "stopping the server",
        "worker" => "leaving the cluster",
        "train" or "sft" => "saving final/ and the metrics so far",
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
