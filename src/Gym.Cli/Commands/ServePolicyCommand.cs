using System.CommandLine;
using System.Globalization;
using Gym.Cli.Training;
using Gym.PolicyServing;
using TorchSharp;

namespace Gym.Cli.Commands;

/// <summary><c>gym serve-policy</c>: serves a TorchSharp policy checkpoint over an OpenAI-compatible HTTP API.</summary>
internal static class ServePolicyCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "The checkpoint folder to serve: the final/ or checkpoints/step-N of gym sft or gym train, or a Hugging Face Qwen2/Llama folder with tokenizer.json.", Required = true, HelpName = "DIR" };
        var host = new Option<string>("--host") { Description = "The IP address to listen on (0.0.0.0 for every interface), or localhost.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The TCP port; 0 picks a free one (the URL printed on startup names it).", DefaultValueFactory = _ => 8000 };
        var device = new Option<string>("--device") { Description = "Where the model runs: auto (CUDA when available, else CPU), cpu, or cuda.", DefaultValueFactory = _ => "auto", HelpName = "auto|cpu|cuda" };
        var maxBody = new Option<int>("--max-body-bytes") { Description = "The largest request body, in bytes; a larger one gets 413 'body_too_large' before it is read into memory.", DefaultValueFactory = _ => PolicyServerOptions.DefaultMaxBodyBytes };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most requests generated together: requests that arrive while a batch generates form the next one.", DefaultValueFactory = _ => 32 };
        var modelName = new Option<string?>("--model-name") { Description = "The model id clients send and GET /v1/models lists; default: the checkpoint's name (gym-policy.json), or its folder's.", HelpName = "NAME" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A Hugging Face tokenizer.json for a checkpoint without one; default: the checkpoint's own, or the built-in byte tokenizer.", HelpName = "PATH" };
        var seed = new Option<long>("--seed", "-s") { Description = "Seeds the sampling of requests that bring no seed of their own (with their order of arrival).", DefaultValueFactory = _ => 0 };

        var command = new Command("serve-policy", "Serve a TorchSharp policy checkpoint as an OpenAI-compatible chat-completions server (GET /v1/models, POST /v1/chat/completions), batching concurrent requests into one generation; gym run --policy openai:MODEL --policy-url URL plays against it (docs/openai.md). Stops on Ctrl+C or SIGTERM.")
        {
            checkpoint, host, port, device, maxBatch, maxBody, modelName, tokenizer, seed,
        };

        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new PolicyServerOptions(result.GetValue(host)!, result.GetValue(port), result.GetValue(maxBatch), result.GetValue(seed), result.GetValue(maxBody));
            options.Validate();
            var name = result.GetValue(modelName);
            if (name is not null && string.IsNullOrWhiteSpace(name))
            {
                throw new CliUsageException("--model-name must not be blank");
            }

            var setup = Load(result.GetValue(checkpoint)!, result.GetValue(tokenizer), TrainingCommon.SelectDevice(result.GetValue(device)!));
            using var model = setup.Model;
            ServedModel served;
            try
            {
                served = new ServedModel(name ?? setup.Name, setup.Model, setup.Tokenizer, setup.Format);
                served.CreateTemplate();
            }
            catch (ArgumentException exception)
            {
                throw new CliUsageException($"--checkpoint: the checkpoint's tokenizer cannot be served: {exception.Message}");
            }

            return await ServeAsync(served, setup, options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ServeAsync(ServedModel served, PolicySetup setup, PolicyServerOptions options, CancellationToken cancellationToken)
    {
        PolicyServer server;
        try
        {
            server = await PolicyServer.StartAsync(served, options, cancellationToken);
        }
        catch (IOException exception)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"--host/--port: cannot listen on {options.Host}:{options.Port}: {exception.Message}"));
        }

        await using (server)
        {
            await Console.Out.WriteLineAsync($"serving {served.Id}: {setup.Description}");
            await Console.Out.WriteLineAsync($"listening on {server.BaseUrl}");
            await Console.Out.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: the normal way a server ends.
            }
        }

        var batcher = server.Batcher;
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"stopped: {batcher.Requests} completions in {batcher.Batches} generation calls (largest {batcher.LargestBatch}), {batcher.GeneratedTokens} tokens"));
        return ExitCodes.Success;
    }

    private static PolicySetup Load(string checkpoint, string? tokenizer, torch.Device device)
    {
        try
        {
            return PolicySetup.Create(checkpoint, "tiny", tokenizer, device, valueHead: false, seed: 0);
        }
        catch (CliUsageException exception) when (exception.Message.StartsWith("--init:", StringComparison.Ordinal))
        {
            // The loader is gym train's, which names its own option.
            throw new CliUsageException("--checkpoint:" + exception.Message["--init:".Length..]);
        }
    }
}
