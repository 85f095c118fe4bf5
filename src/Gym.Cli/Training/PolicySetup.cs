using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;
using TorchSharp;

namespace Gym.Cli.Training;

/// <summary>A model ready to train, with the tokenizer it reads and writes.</summary>
/// <param name="Model">The learner's model, on <paramref name="Device"/>.</param>
/// <param name="Tokenizer">Its tokenizer.</param>
/// <param name="TokenizerFile">The Hugging Face tokenizer.json it came from, or null for the built-in byte tokenizer.</param>
/// <param name="Name">The model's name in policy ids (<c>torch:NAME@vN</c>).</param>
/// <param name="Device">Where it runs.</param>
internal sealed record PolicySetup(PolicyModel Model, IPolicyTokenizer Tokenizer, string? TokenizerFile, string Name, torch.Device Device)
{
    /// <summary>
    /// The chat template: the one the <c>tokenizer_config.json</c> beside the tokenizer file names (recognised
    /// by its text), else Gym's ChatML.
    /// </summary>
    public ChatFormat Format { get; } = ResolveFormat(TokenizerFile);

    /// <summary>Beside <c>config.json</c> in every checkpoint gym writes: the tokenizer and the model's name.</summary>
    public const string MetadataFile = "gym-policy.json";

    public const string Presets = "tiny|small-100m";

    /// <summary>One line for summaries: name, size and device.</summary>
    public string Description => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Model.Config.ParameterCount():N0} parameters) on {Device.type}");

    /// <summary>
    /// The model to train: the checkpoint in <paramref name="init"/> (its tokenizer from its own folder), or a
    /// fresh <paramref name="preset"/> initialized from <paramref name="seed"/>. A value head is added (fresh,
    /// V = 0) or dropped to match <paramref name="valueHead"/>.
    /// </summary>
    public static PolicySetup Create(string? init, string preset, string? tokenizerPath, torch.Device target, bool valueHead, ulong seed)
    {
        if (init is not null)
        {
            return FromCheckpoint(init, tokenizerPath, valueHead, target);
        }

        var tokenizer = LoadTokenizer(tokenizerPath);
        var config = (preset switch
        {
            "tiny" => PolicyConfig.Tiny,
            "small-100m" => PolicyConfig.Small100M,
            _ => throw new CliUsageException($"--model must be one of {Presets} (got '{preset}')"),
        }) with
        { ValueHead = valueHead };
        if (tokenizer.VocabSize > config.VocabSize)
        {
            // Round up to a multiple of 64, as model vocabularies usually are.
            config = config with { VocabSize = (tokenizer.VocabSize + 63) / 64 * 64 };
        }

        var model = new PolicyModel(config, seed);
        model.to(target);
        return new PolicySetup(model, tokenizer, tokenizerPath is null ? null : Path.GetFullPath(tokenizerPath), preset, target);
    }

    /// <summary>Writes the model, its tokenizer and gym's metadata to <paramref name="directory"/>.</summary>
    public void Save(string directory, PolicyModel? model = null)
    {
        PolicyCheckpoint.Save(model ?? Model, directory);
        if (TokenizerFile is not null)
        {
            var copy = Path.Combine(directory, "tokenizer.json");
            if (!string.Equals(Path.GetFullPath(copy), TokenizerFile, StringComparison.Ordinal))
            {
                File.Copy(TokenizerFile, copy, overwrite: true);

                // The chat template (and special-token names) travel with the tokenizer.
                var config = Path.Combine(Path.GetDirectoryName(TokenizerFile)!, "tokenizer_config.json");
                if (File.Exists(config))
                {
                    File.Copy(config, Path.Combine(directory, "tokenizer_config.json"), overwrite: true);
                }
            }
        }

        var metadata = new JsonObject
        {
            ["name"] = Name,
            ["tokenizer"] = TokenizerFile is null ? "bytes" : "tokenizer.json",
        };
        File.WriteAllText(Path.Combine(directory, MetadataFile), metadata.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static PolicySetup FromCheckpoint(string directory, string? tokenizerPath, bool valueHead, torch.Device device)
    {
        if (!Directory.Exists(directory))
        {
            throw new CliUsageException($"--init: checkpoint folder '{directory}' does not exist");
        }

        PolicyConfig config;
        try
        {
            config = PolicyCheckpoint.ReadConfig(directory);
        }
        catch (FileNotFoundException)
        {
            throw new CliUsageException($"--init: '{directory}' is not a checkpoint: it has no {PolicyCheckpoint.ConfigFile} (gym sft and gym train write checkpoints to OUT/final and OUT/checkpoints/step-N)");
        }
        catch (Exception exception) when (exception is FormatException or NotSupportedException or ArgumentException or InvalidOperationException or JsonException or IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--init: cannot read the {PolicyCheckpoint.ConfigFile} of checkpoint '{directory}': {exception.Message}");
        }

        var (name, tokenizerFile) = ReadMetadata(directory, tokenizerPath);
        var tokenizer = LoadTokenizer(tokenizerFile);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"--init: checkpoint '{directory}' has a vocabulary of {config.VocabSize} but its tokenizer has {tokenizer.VocabSize} ids; the checkpoint and tokenizer do not belong together"));
        }

        // PPO adds a fresh value head to an SFT checkpoint; other algorithms drop a trained one.
        var model = new PolicyModel(config with { ValueHead = valueHead });
        try
        {
            // adaptValueHead: the saved head is dropped, or a missing one starts at zero; every other field must match.
            PolicyCheckpoint.LoadInto(model, directory, adaptValueHead: true);
            model.to(device);
        }
        catch (InvalidDataException exception)
        {
            model.Dispose();
            throw new CliUsageException($"--init: checkpoint '{directory}' does not fit its config.json: {exception.Message}");
        }
        catch (Exception exception) when (exception is FormatException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            // A truncated or corrupt model.safetensors, or no weights file at all.
            model.Dispose();
            throw new CliUsageException($"--init: cannot load the weights of checkpoint '{directory}': {exception.Message}");
        }

        return new PolicySetup(model, tokenizer, tokenizerFile is null ? null : Path.GetFullPath(tokenizerFile), name, device);
    }

    private static (string Name, string? TokenizerFile) ReadMetadata(string directory, string? tokenizerPath)
    {
        var file = Path.Combine(directory, MetadataFile);
        var hfTokenizer = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(file))
        {
            // A Hugging Face checkpoint: its own tokenizer.json, or the one given.
            var tokenizer = tokenizerPath ?? (File.Exists(hfTokenizer) ? hfTokenizer : null)
                ?? throw new CliUsageException($"--init: checkpoint '{directory}' has neither {MetadataFile} nor tokenizer.json; pass --tokenizer PATH/tokenizer.json");
            return (Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))), tokenizer);
        }

        try
        {
            var node = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new JsonException("not a JSON object");
            var name = (string?)node["name"] ?? "model";
            var kind = (string?)node["tokenizer"] ?? "bytes";
            if (tokenizerPath is not null)
            {
                return (name, tokenizerPath);
            }

            return kind == "bytes" ? (name, null) : (name, Path.Combine(directory, kind));
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            throw new CliUsageException($"{file}: not valid gym policy metadata: {exception.Message}");
        }
    }

    private static ChatFormat ResolveFormat(string? tokenizerFile)
    {
        if (tokenizerFile is null)
        {
            return ChatFormats.ChatML;
        }

        try
        {
            return ChatFormats.Resolve(null, Path.GetDirectoryName(Path.GetFullPath(tokenizerFile)));
        }
        catch (Exception exception) when (exception is NotSupportedException or FormatException)
        {
            throw new CliUsageException(exception.Message);
        }
    }

    private static IPolicyTokenizer LoadTokenizer(string? path)
    {
        if (path is null || path == "bytes")
        {
            return ByteTokenizer.Instance;
        }

        if (!File.Exists(path))
        {
            throw new CliUsageException($"--tokenizer: '{path}' does not exist (give a Hugging Face tokenizer.json, or 'bytes' for the built-in byte tokenizer)");
        }

        try
        {
            return HuggingFaceTokenizer.Load(path);
        }
        catch (Exception exception) when (exception is InvalidDataException or JsonException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"--tokenizer: '{path}' could not be read: {exception.Message}");
        }
    }
}
