using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gym.Core.Context;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;

namespace Gym.Cli.Commands;

/// <summary>
/// <c>gym render</c>: prints the exact prompt a policy reads at one turn of an episode, rendered with a
/// chat template and tokenizer (a checkpoint's own, or named ones): the text, or with <c>--ids</c> the
/// token ids with special tokens marked. The episode is played fresh from a seed (by the scenario's
/// policy, the expert by default) or read from a rollout file.
/// </summary>
internal static class RenderCommand
{
    /// <summary>
    /// The names <c>--template</c> accepts. Written out rather than read from Gym.Learning's ChatFormats,
    /// because building the command tree must not load Gym.Learning (gym serve stays free of it); a test
    /// keeps the two lists equal.
    /// </summary>
    internal const string TemplateNames = "chatml|qwen2|qwen2.5|qwen3|llama3";

    public static Command Create()
    {
        var id = CommonOptions.EnvironmentId();
        var seed = new Option<long?>("--seed", "-s") { Description = "The episode seed of a fresh episode (default: the scenario's seed, else 0). Ignored with --from.", HelpName = "S" };
        var turn = new Option<int>("--turn", "-t") { Description = "The turn whose prompt to print, from 0 (the first action's prompt); -1 is the last turn.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A model folder: its tokenizer.json (or gym-policy.json's byte tokenizer) and the chat template its tokenizer_config.json names.", HelpName = "DIR" };
        var template = new Option<string?>("--template") { Description = $"The chat template by name: {TemplateNames}. Default: the one the tokenizer's tokenizer_config.json names, else chatml.", HelpName = "NAME" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A Hugging Face tokenizer.json (a tokenizer_config.json beside it names the template and special tokens), or 'bytes' for the built-in byte tokenizer (the default).", HelpName = "FILE" };
        var ids = new Option<bool>("--ids") { Description = "Print the token ids instead of the text, special tokens marked as ID:TEXT (e.g. 151644:<|im_start|>)." };
        var memory = new Option<string?>("--memory") { Description = "What the agent sees each turn: full, mem1, window:K or strip-think (default: the scenario's, else full). Ignored with --from (the file records each turn's context).", HelpName = "full|mem1|window:K|strip-think" };
        var policy = new Option<string?>("--policy") { Description = "For a fresh episode, the policy that plays the turns before N: expert or expert:RATE (default: the scenario's expert, else expert).", HelpName = "expert|expert:RATE" };
        var from = new Option<string?>("--from") { Description = "Read the episode from a rollout file written by gym run instead of playing it.", HelpName = "rollouts.jsonl" };
        var episode = new Option<long?>("--episode") { Description = "With --from: the episode number (its \"episode\" field) to render.", HelpName = "K" };
        var parameters = CommonOptions.Parameters();
        var command = new Command("render", "Print the exact prompt the policy reads at a turn: the chat template's text (or with --ids its token ids), for a fresh episode played from --seed or an episode of a rollout file (--from, --episode), in any memory mode. The summary line goes to standard error.")
        {
            id, seed, turn, checkpoint, template, tokenizer, ids, memory, policy, from, episode, parameters,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(checkpoint) is not null && result.GetValue(tokenizer) is not null)
            {
                throw new CliUsageException("--checkpoint and --tokenizer both name a tokenizer: give one");
            }

            var chat = Template(result.GetValue(checkpoint), result.GetValue(tokenizer), result.GetValue(template));
            var (registry, environmentId, scenario) = CommonOptions.Resolve(result.GetValue(id)!);
            using var loaded = scenario;
            var environmentParameters = CommonOptions.ParseParameters(result.GetValue(parameters)!);
            EpisodeRecord record;
            if (result.GetValue(from) is { } file)
            {
                record = Read(file, result.GetValue(episode) ?? throw new CliUsageException("--from needs --episode K (the episode to render)"));
            }
            else
            {
                if (result.GetValue(episode) is not null)
                {
                    throw new CliUsageException("--episode applies to --from only (a fresh episode is chosen by --seed)");
                }

                var memorySpec = result.GetValue(memory) is { } m ? ParseMemory(m) : scenario?.Memory ?? MemorySpec.Full;
                var policyText = result.GetValue(policy) ?? (scenario?.Spec.Policy is Gym.Scenarios.ExpertPolicySpec { ErrorRate: > 0 } expert
                    ? string.Create(CultureInfo.InvariantCulture, $"expert:{expert.ErrorRate}")
                    : "expert");
                if (!policyText.StartsWith("expert", StringComparison.Ordinal))
                {
                    throw new CliUsageException($"--policy must be expert or expert:RATE for gym render (got '{policyText}'); render an episode played by another policy with --from");
                }

                var episodeSeed = result.GetValue(seed) ?? scenario?.Spec.Seed ?? 0;
                record = await PlayAsync(registry, environmentId, environmentParameters, policyText, episodeSeed, memorySpec, cancellationToken);
            }

            var index = result.GetValue(turn);
            if (record.Turns.Count == 0)
            {
                throw new CliUsageException($"episode {record.Episode} has no turns to render");
            }

            var at = index < 0 ? record.Turns.Count + index : index;
            if (at < 0 || at >= record.Turns.Count)
            {
                throw new CliUsageException($"--turn {index}: episode {record.Episode} has {record.Turns.Count} turn(s), 0 to {record.Turns.Count - 1}");
            }

            var messages = ContextRebuilder.Rebuild(record, at);
            var rendered = chat.RenderPrompt([.. messages.Select(TemplateMessage.From)]);
            Console.Out.Write(result.GetValue(ids) ? IdLines(rendered.Ids, chat) : rendered.Text);
            Console.Out.Flush();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gym render: episode {record.Episode} (seed {record.Seed}), turn {at} of {record.Turns.Count}, {messages.Count} message(s), {rendered.Ids.Length} tokens, template {chat.Format.Name}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static ChatTemplate Template(string? checkpoint, string? tokenizerPath, string? templateName)
    {
        string? tokenizerFile;
        if (checkpoint is not null)
        {
            if (!Directory.Exists(checkpoint))
            {
                throw new CliUsageException($"--checkpoint: folder '{checkpoint}' does not exist");
            }

            tokenizerFile = CheckpointTokenizer(checkpoint);
        }
        else
        {
            tokenizerFile = tokenizerPath is null or "bytes" ? null : tokenizerPath;
        }

        IPolicyTokenizer tokenizer;
        ChatFormat format;
        try
        {
            if (tokenizerFile is null)
            {
                tokenizer = ByteTokenizer.Instance;
                format = templateName is null ? ChatFormats.ChatML : ChatFormats.Get(templateName);
            }
            else
            {
                if (!File.Exists(tokenizerFile))
                {
                    throw new CliUsageException($"--tokenizer: '{tokenizerFile}' does not exist (give a Hugging Face tokenizer.json, or 'bytes')");
                }

                tokenizer = HuggingFaceTokenizer.Load(tokenizerFile);
                format = ChatFormats.Resolve(templateName, Path.GetDirectoryName(Path.GetFullPath(tokenizerFile)));
            }

            return new ChatTemplate(tokenizer, format);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or FormatException or IOException)
        {
            throw new CliUsageException(exception.Message);
        }
    }

    // A gym checkpoint names its tokenizer in gym-policy.json ("bytes" or a file beside it); a Hugging Face
    // model folder has tokenizer.json.
    private static string? CheckpointTokenizer(string directory)
    {
        var metadata = Path.Combine(directory, "gym-policy.json");
        if (File.Exists(metadata))
        {
            try
            {
                var kind = (string?)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(metadata))?["tokenizer"] ?? "bytes";
                return kind == "bytes" ? null : Path.Combine(directory, kind);
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException)
            {
                throw new CliUsageException($"{metadata}: not valid gym policy metadata: {exception.Message}");
            }
        }

        var file = Path.Combine(directory, "tokenizer.json");
        return File.Exists(file) ? file : throw new CliUsageException($"--checkpoint: '{directory}' has neither gym-policy.json nor tokenizer.json");
    }

    private static MemorySpec ParseMemory(string text)
    {
        try
        {
            return MemorySpec.Parse(text);
        }
        catch (ArgumentException exception)
        {
            throw new CliUsageException($"--memory: {exception.Message}");
        }
    }

    private static EpisodeRecord Read(string file, long episode)
    {
        if (!File.Exists(file))
        {
            throw new CliUsageException($"{file}: no such rollout file");
        }

        var seen = new List<long>();
        try
        {
            foreach (var record in JsonlTrajectoryReader.Read(file))
            {
                if (record.Episode == episode)
                {
                    return record;
                }

                seen.Add(record.Episode);
            }
        }
        catch (TrajectoryFormatException exception)
        {
            throw new CliUsageException($"{file}: {exception.Message}");
        }

        throw new CliUsageException(seen.Count == 0
            ? $"{file}: the file has no episodes"
            : string.Create(CultureInfo.InvariantCulture, $"{file}: no episode {episode} (the file has {seen.Count}: {seen.Min()} to {seen.Max()})"));
    }

    private static async Task<EpisodeRecord> PlayAsync(EnvironmentRegistry registry, string environmentId, Dictionary<string, string> parameters, string policyText, long seed, MemorySpec memory, CancellationToken cancellationToken)
    {
        var descriptor = registry.Get(environmentId);
        var withSeed = EnvironmentParameters.WithRunSeed(parameters, seed);
        using var environment = registry.Make(environmentId, new EnvironmentParameters(withSeed));
        var policy = PolicyFactory.Create(policyText, descriptor, parameters, seed);
        using var disposePolicy = policy as IDisposable;
        return await EpisodeRunner.RunAsync(environment, policy, 0, seed, ContextPolicy.Create(memory), TokenCounters.Default, cancellationToken);
    }

    private static string IdLines(int[] ids, ChatTemplate chat)
    {
        var special = chat.Tokenizer.SpecialTokens.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.First().Key);
        var text = new StringBuilder();
        foreach (var value in ids)
        {
            // Each message starts a new line, so turns read one per line.
            if (value == chat.TurnStartId && text.Length > 0)
            {
                text.Length--;
                text.Append('\n');
            }

            text.Append(value.ToString(CultureInfo.InvariantCulture));
            if (special.TryGetValue(value, out var name))
            {
                text.Append(':').Append(name);
            }

            text.Append(' ');
        }

        return text.ToString().TrimEnd() + "\n";
    }
}
