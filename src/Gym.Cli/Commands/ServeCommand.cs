using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Gym.Server;
using Gym.Server.Sessions;

namespace Gym.Cli.Commands;

/// <summary><c>gym serve</c>: serves environments to trainers in other languages over WebSocket and HTTP (docs/server.md).</summary>
internal static class ServeCommand
{
    /// <summary>The environment variable read for the API key when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "GYM_API_KEY";

    public static Command Create()
    {
        var scenarios = new Option<string[]>("--scenario")
        {
            Description = "What to serve: a registered environment id (see 'gym list') or the path of a YAML scenario file; give several after one --scenario or repeat it. Clients pick one by id.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            HelpName = "env-id|scenario.yaml",
        };
        var host = new Option<string>("--host") { Description = "The address to listen on: an IP address (0.0.0.0 or :: for every interface) or localhost.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The TCP port; 0 picks a free one (the listening URL is printed on startup).", DefaultValueFactory = _ => EnvironmentServerOptions.DefaultPort };
        var maxSessions = new Option<int>("--max-sessions") { Description = "The most sessions open at once; further ones are refused with HTTP 503 and Retry-After.", DefaultValueFactory = _ => new SessionManagerOptions().MaxSessions };
        var idleTimeout = new Option<double>("--idle-timeout")
        {
            Description = "Seconds without a request after which a session is closed (WebSocket clients get close code 1008); 0 keeps sessions until closed.",
            DefaultValueFactory = _ => new SessionManagerOptions().IdleTimeout.TotalSeconds,
            HelpName = "seconds",
        };
        var stepTimeout = new Option<double>("--step-timeout")
        {
            Description = "Seconds one reset or step may take; past it the session is closed with a 'timeout' error (HTTP 504).",
            DefaultValueFactory = _ => new SessionManagerOptions().StepTimeout.TotalSeconds,
            HelpName = "seconds",
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = $"Require 'Authorization: Bearer KEY' on every endpoint but /health. Defaults to the {ApiKeyVariable} environment variable; without either, no key is needed.",
            HelpName = "KEY",
        };
        var maxBody = new Option<int>("--max-body-bytes") { Description = "The largest request body or WebSocket message, in bytes (larger ones get 'body_too_large' / 'message_too_large').", DefaultValueFactory = _ => new EnvironmentServerOptions().MaxBodyBytes };
        var seed = new Option<long>("--seed") { Description = "Resets without a seed use one derived from this seed, the session's number and its episode count (the answer reports it).", DefaultValueFactory = _ => 0 };

        port.Validators.Add(r => Check(r, r.GetValueOrDefault<int>() is >= 0 and <= 65535, "--port must be between 0 and 65535"));
        maxSessions.Validators.Add(r => Check(r, r.GetValueOrDefault<int>() >= 1, "--max-sessions must be at least 1"));
        idleTimeout.Validators.Add(r => Check(r, r.GetValueOrDefault<double>() is >= 0 and <= 86_400 * 365, "--idle-timeout must be a number of seconds >= 0"));
        stepTimeout.Validators.Add(r => Check(r, r.GetValueOrDefault<double>() is > 0 and <= 86_400, "--step-timeout must be a number of seconds > 0 (at most a day)"));
        maxBody.Validators.Add(r => Check(r, r.GetValueOrDefault<int>() >= 1024, "--max-body-bytes must be at least 1024"));
        apiKey.Validators.Add(r => Check(r, r.GetValueOrDefault<string?>() is not { Length: 0 }, "--api-key must not be empty"));
        host.Validators.Add(r => Check(r, new EnvironmentServerOptions { Host = r.GetValueOrDefault<string>() ?? string.Empty }.TryParseHost(), "--host must be an IP address (127.0.0.1, 0.0.0.0, ::) or localhost"));

        var head = ClusterCommands.HeadOptions.ForServe();
        var command = new Command("serve", "Serve environments to trainers in any language: one WebSocket connection (/ws) or HTTP session (/sessions) per episode stream, with reset, step, state and close; GET /scenarios, /health and /metrics (Prometheus). Runs until Ctrl+C or SIGTERM. The protocol and a Python client: docs/server.md.")
        {
            scenarios, host, port, maxSessions, idleTimeout, stepTimeout, apiKey, maxBody, seed,
        };
        foreach (var option in head.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var cluster = head.Read(result);
            var registry = CommonOptions.CreateRegistry();
            // The loaded scenarios outlive every session; they are disposed after the server stops.
            var loaded = new List<IDisposable>();
            using var release = new Releaser(loaded);
            var ids = new List<string>();
            // What each served id was named by: the path or id a cluster worker loads it from.
            var sources = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var path in result.GetValue(scenarios)!)
            {
                var (_, resolved, scenario) = CommonOptions.Resolve(registry, path);
                if (scenario is not null)
                {
                    loaded.Add(scenario);
                }

                if (!ids.Contains(resolved, StringComparer.Ordinal))
                {
                    ids.Add(resolved);
                    sources[resolved] = path;
                }
            }

            var key = result.GetValue(apiKey) ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
            var options = new EnvironmentServerOptions
            {
                Host = result.GetValue(host)!,
                Port = result.GetValue(port),
                ApiKey = key,
                MaxBodyBytes = result.GetValue(maxBody),
                Sessions = new SessionManagerOptions
                {
                    MaxSessions = result.GetValue(maxSessions),
                    IdleTimeout = TimeSpan.FromSeconds(result.GetValue(idleTimeout)),
                    StepTimeout = TimeSpan.FromSeconds(result.GetValue(stepTimeout)),
                    Seed = result.GetValue(seed),
                },
            };
            if (cluster is not null)
            {
                // Only here does Akka.Cluster load: ClusterCommands alone names its types.
                return await ClusterCommands.ServeHeadAsync(cluster, sources, registry, options.Sessions.StepTimeout, sessionHost => ServeAsync(registry, ids, options, sessionHost, cancellationToken), cancellationToken);
            }

            return await ServeAsync(registry, ids, options, null, cancellationToken);
        });
        return command;
    }

    private static async Task<int> ServeAsync(Core.Registry.EnvironmentRegistry registry, List<string> ids, EnvironmentServerOptions options, ISessionHost? sessionHost, CancellationToken cancellationToken)
    {
        EnvironmentServer server;
        try
        {
            server = await EnvironmentServer.StartAsync(registry, ids, options, host: sessionHost, cancellationToken: cancellationToken);
        }
        catch (IOException ex)
        {
            throw new CliUsageException($"cannot listen on {options.Host}:{options.Port.ToString(CultureInfo.InvariantCulture)}: {ex.Message}");
        }

        await using (server)
        {
            Console.WriteLine($"gym serve: listening on {server.Url.GetLeftPart(UriPartial.Authority)} (WebSocket: {server.WebSocketUrl})");
            Console.WriteLine($"serving {string.Join(", ", ids)}; at most {options.Sessions.MaxSessions} sessions, idle timeout {Describe(options.Sessions.IdleTimeout)}{(options.ApiKey is null ? "" : ", API key required")}");
            Console.WriteLine("press Ctrl+C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: the normal way to stop a server.
            }

            Console.WriteLine($"stopping: closing {server.Sessions.Count} open sessions");
        }

        Console.WriteLine("stopped");
        return ExitCodes.Success;
    }

    private static string Describe(TimeSpan idle) => idle == TimeSpan.Zero ? "none" : $"{idle.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";

    private static void Check(OptionResult result, bool ok, string message)
    {
        if (!ok)
        {
            result.AddError(message);
        }
    }

    /// <summary>Disposes what it was given, in reverse order, when it is disposed.</summary>
    private sealed class Releaser(List<IDisposable> owned) : IDisposable
    {
        public void Dispose()
        {
            for (var i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }

            owned.Clear();
        }
    }
}
