using System.Globalization;
using Gym.Core.Policies;
using Gym.Core.Policies.OpenAi;
using Gym.Core.Registry;
using Gym.Scenarios;

namespace Gym.Cli.Commands;

/// <summary>What the command line says about an <c>openai</c> policy, beyond its model name.</summary>
/// <param name="Url">The server's base URL (<c>--policy-url</c>), or null to take the scenario's.</param>
/// <param name="ApiKeyEnv">The API key's environment variable (<c>--policy-api-key-env</c>), or null to take the scenario's.</param>
/// <param name="Settings">KEY=VALUE pairs (<c>--policy-option</c>), with the scenario file's key names; they override the scenario's.</param>
/// <param name="FromScenario">The scenario's <c>policy: {kind: openai}</c>, if it has one: the base the command line overrides.</param>
internal sealed record OpenAiCommandLine(string? Url, string? ApiKeyEnv, IReadOnlyList<string> Settings, OpenAiPolicySpec? FromScenario)
{
    /// <summary>Nothing given on the command line and no scenario policy.</summary>
    public static OpenAiCommandLine None { get; } = new(null, null, [], null);

    /// <summary>The keys <c>--policy-option</c> accepts, as in a scenario's <c>policy:</c>.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["temperature", "top_p", "max_tokens", "stop", "logprobs", "tool_messages", "messages", "timeout_seconds", "max_retries", "max_concurrency"];

    /// <summary>Whether anything openai-specific was given on the command line.</summary>
    public bool AnyGiven => Url is not null || ApiKeyEnv is not null || Settings.Count > 0;
}

/// <summary>Builds the policy named by <c>--policy</c>.</summary>
internal static class PolicyFactory
{
    public const string Help = "The acting policy: 'expert' or 'expert:RATE', the environment's scripted expert making a deliberate mistake with probability RATE (0-1) per turn; or 'openai:MODEL', an OpenAI-compatible chat-completions server (vLLM, llama.cpp, Ollama, OpenAI, gym serve-policy) at --policy-url, tuned with --policy-option (docs/openai.md).";

    public static IPolicy Create(string text, EnvironmentDescriptor descriptor, IReadOnlyDictionary<string, string> parameters, long seed, OpenAiCommandLine? openAi = null)
    {
        openAi ??= OpenAiCommandLine.None;
        var spec = PolicySpec.Parse(text);
        if (spec.Kind != "openai" && openAi.AnyGiven)
        {
            throw new CliUsageException($"--policy-url, --policy-api-key-env and --policy-option apply to --policy openai:MODEL only (the policy is '{text}')");
        }

        switch (spec.Kind)
        {
            case "expert":
                var rate = 0.0;
                if (spec.Argument is not null
                    && (!double.TryParse(spec.Argument, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) || rate is < 0 or > 1 || double.IsNaN(rate)))
                {
                    throw new CliUsageException($"--policy expert:RATE needs RATE between 0 and 1 (got '{spec.Argument}')");
                }

                if (descriptor.CreateExpert is null)
                {
                    throw new CliUsageException($"{descriptor.Id} has no expert scripted policy");
                }

                var settings = new ExpertSettings(rate, seed);
                var create = descriptor.CreateExpert;
                // A curriculum changes parameters per episode; the router builds an expert for each set.
                // It plans from the episode seed with the run seed beside it, as the episode's environment does.
                return new ParameterRoutedPolicy(
                    create(new EnvironmentParameters(EnvironmentParameters.WithRunSeed(parameters, seed)), settings),
                    episodeParameters => create(new EnvironmentParameters(EnvironmentParameters.WithRunSeed(episodeParameters, seed)), settings));
            case "openai":
                var options = OpenAiOptions(spec.Argument, openAi);

                // Structured messages need each episode's tools: its task, regenerated from the episode seed
                // by an environment built as the run builds its own.
                var tools = options.Messages == OpenAiMessageMode.Structured
                    ? TaskSourceToolSource.TryCreate(descriptor.Create(new EnvironmentParameters(EnvironmentParameters.WithRunSeed(parameters, seed))))
                        ?? throw new CliUsageException($"--policy-option messages=structured needs an environment whose tasks list their tools; {descriptor.Id} does not (use messages=text)")
                    : null;
                return new OpenAiPolicy(options, tools: tools);
            default:
                throw new CliUsageException($"unknown policy '{spec.Kind}' (available: expert, expert:RATE, openai:MODEL)");
        }
    }

    /// <summary>The scenario's openai settings (if any) with the command line's on top, validated.</summary>
    public static OpenAiPolicyOptions OpenAiOptions(string? model, OpenAiCommandLine openAi)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new CliUsageException("--policy openai:MODEL needs the model name the server serves, e.g. --policy openai:qwen2.5-1.5b-instruct");
        }

        var scenario = openAi.FromScenario;
        var urlText = openAi.Url ?? scenario?.BaseUrl
            ?? throw new CliUsageException("--policy openai:MODEL needs --policy-url URL, the server's base URL (e.g. http://localhost:8000/v1)");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliUsageException($"--policy-url must be an http:// or https:// URL like http://localhost:8000/v1 (got '{urlText}')");
        }

        var options = new OpenAiPolicyOptions(url, model, openAi.ApiKeyEnv ?? scenario?.ApiKeyEnv);
        if (scenario is not null)
        {
            options = options with
            {
                Temperature = scenario.Temperature,
                TopP = scenario.TopP,
                MaxTokens = scenario.MaxTokens,
                Stop = scenario.Stop,
                LogProbs = scenario.LogProbs,
                ToolMessages = scenario.ToolMessages,
                Messages = scenario.Messages,
                Timeout = TimeSpan.FromSeconds(scenario.TimeoutSeconds),
                MaxRetries = scenario.MaxRetries,
                MaxConcurrency = scenario.MaxConcurrency,
            };
        }

        var stops = new List<string>();
        foreach (var pair in openAi.Settings)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliUsageException($"--policy-option needs KEY=VALUE (got '{pair}'); keys: {string.Join(", ", OpenAiCommandLine.Keys)}");
            }

            var key = pair[..equals].Trim();
            var value = pair[(equals + 1)..];
            options = key switch
            {
                "temperature" => options with { Temperature = Number(key, value) },
                "top_p" => options with { TopP = Number(key, value) },
                "max_tokens" => options with { MaxTokens = Integer(key, value) },
                "stop" => AddStop(options, stops, Unescape(value)),
                "logprobs" => options with { LogProbs = Boolean(key, value) },
                "tool_messages" => options with { ToolMessages = ToolRole(value) },
                "messages" => options with { Messages = MessageMode(value) },
                "timeout_seconds" => options with { Timeout = Seconds(key, value) },
                "max_retries" => options with { MaxRetries = Integer(key, value) },
                "max_concurrency" => options with { MaxConcurrency = Integer(key, value) },
                _ => throw new CliUsageException($"--policy-option: unknown key '{key}' (known: {string.Join(", ", OpenAiCommandLine.Keys)})"),
            };
        }

        try
        {
            return options.Validate();
        }
        catch (ArgumentException exception)
        {
            throw new CliUsageException(exception.Message);
        }
    }

    // The first stop given on the command line replaces the scenario's list; later ones add to it.
    private static OpenAiPolicyOptions AddStop(OpenAiPolicyOptions options, List<string> stops, string stop)
    {
        stops.Add(stop);
        return options with { Stop = [.. stops] };
    }

    // So that a newline stop can be given in a shell: --policy-option 'stop=\n'.
    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);

    private static double Number(string key, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : throw new CliUsageException($"--policy-option {key} needs a number (got '{value}')");

    private static int Integer(string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new CliUsageException($"--policy-option {key} needs a whole number (got '{value}')");

    private static bool Boolean(string key, string value) =>
        bool.TryParse(value, out var flag) ? flag : throw new CliUsageException($"--policy-option {key} needs true or false (got '{value}')");

    private static ToolMessageRole ToolRole(string value) => value switch
    {
        "tool" => ToolMessageRole.Tool,
        "user" => ToolMessageRole.User,
        _ => throw new CliUsageException($"--policy-option tool_messages must be tool or user (got '{value}')"),
    };

    private static OpenAiMessageMode MessageMode(string value) => value switch
    {
        "text" => OpenAiMessageMode.Text,
        "structured" => OpenAiMessageMode.Structured,
        _ => throw new CliUsageException($"--policy-option messages must be text or structured (got '{value}')"),
    };

    private static TimeSpan Seconds(string key, string value)
    {
        var seconds = Number(key, value);
        return seconds is > 0 and <= 3600 ? TimeSpan.FromSeconds(seconds) : throw new CliUsageException($"--policy-option {key} must be above 0 and at most 3600 (got '{value}')");
    }
}
