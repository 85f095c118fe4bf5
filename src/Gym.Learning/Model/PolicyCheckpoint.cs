using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// Policy checkpoints in the Hugging Face layout: a folder with <c>config.json</c> (Qwen2 or Llama keys)
/// and <c>model.safetensors</c> under Hugging Face tensor names. The same code loads the checkpoints we
/// save and Qwen2/Llama checkpoints from the Hugging Face hub (single or sharded, F32/F16/BF16), and
/// Hugging Face tools can load ours.
/// </summary>
public static class PolicyCheckpoint
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The weights file's name (unsharded).</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>The index of a sharded checkpoint, mapping tensor names to shard files.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>
    /// Writes <paramref name="model"/>'s configuration and weights (in their own dtype) to
    /// <paramref name="directory"/>, creating it. Each file is written aside and then moved into place,
    /// so an interrupted save leaves the previous files whole.
    /// </summary>
    public static void Save(PolicyModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var weights = Path.Combine(directory, WeightsFile);
        var config = Path.Combine(directory, ConfigFile);
        Safetensors.Save(weights + ".tmp", model.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(config + ".tmp", model.Config.ToHuggingFaceJson());
        File.Move(weights + ".tmp", weights, overwrite: true);
        File.Move(config + ".tmp", config, overwrite: true);
    }

    /// <summary>The configuration of the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no config.json.</exception>
    public static PolicyConfig ReadConfig(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var file = Path.Combine(directory, ConfigFile);
        return File.Exists(file)
            ? PolicyConfig.FromHuggingFaceJson(File.ReadAllText(file))
            : throw new FileNotFoundException($"'{directory}' is not a checkpoint: it has no {ConfigFile}", file);
    }

    /// <summary>
    /// Builds the model the checkpoint in <paramref name="directory"/> describes, loads its weights on the
    /// CPU, then moves it to <paramref name="device"/> (the CPU when null).
    /// </summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="device">Where the model goes; the CPU when null.</param>
    /// <param name="valueHead">
    /// Null to build the model exactly as saved. True or false to build it with or without a value head
    /// whatever the checkpoint has: PPO from an SFT checkpoint (<c>valueHead: true</c>) gets a value head set to
    /// zero (V = 0 everywhere until trained); <c>valueHead: false</c> drops a saved value head.
    /// </param>
    public static PolicyModel Load(string directory, Device? device = null, bool? valueHead = null)
    {
        var config = ReadConfig(directory);
        var adapt = valueHead is { } wanted && wanted != config.ValueHead;
        var model = new PolicyModel(valueHead is { } head ? config with { ValueHead = head } : config);
        try
        {
            LoadWeights(model, directory, adapt);
            if (device is not null)
            {
                model.to(device);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the checkpoint in <paramref name="directory"/> into <paramref name="model"/>, which must have
    /// the checkpoint's configuration; with <paramref name="adaptValueHead"/> the two may differ in
    /// <see cref="PolicyConfig.ValueHead"/> alone.
    /// </summary>
    /// <param name="model">The model to overwrite.</param>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="adaptValueHead">
    /// True to load a checkpoint saved without a value head into a model with one (the value head is set to
    /// zero, so V = 0 everywhere until trained: PPO from an SFT checkpoint), or one saved with a value head into
    /// a model without (the saved head is dropped). Every other field must still match.
    /// </param>
    /// <exception cref="InvalidDataException">The configurations differ (the message names each field) or the weights do not fit.</exception>
    public static void LoadInto(PolicyModel model, string directory, bool adaptValueHead = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var saved = ReadConfig(directory);
        var differences = (adaptValueHead ? saved with { ValueHead = model.Config.ValueHead } : saved).Differences(model.Config);
        if (differences.Count > 0)
        {
            var hint = !adaptValueHead && saved.ValueHead != model.Config.ValueHead
                ? $". To start from a checkpoint {(saved.ValueHead ? "with" : "without")} a value head, pass adaptValueHead: true ({(saved.ValueHead ? "the saved value head is dropped" : "the value head starts at zero")})"
                : string.Empty;
            throw new InvalidDataException(
                $"checkpoint '{directory}' was saved for another model (checkpoint vs model): {string.Join("; ", differences)}{hint}");
        }

        LoadWeights(model, directory, adaptValueHead);
    }

    /// <summary>
    /// Copies the weights in <paramref name="path"/> (a safetensors file, or a folder with
    /// <c>model.safetensors</c> or a sharded <c>model.safetensors.index.json</c>) into <paramref name="model"/>,
    /// converting dtypes. Every tensor must map onto a parameter of the same shape and every parameter must
    /// be given, with three exceptions: <c>rotary_emb.inv_freq</c> buffers of older checkpoints are skipped
    /// (they are recomputed), <c>lm_head.weight</c> is skipped when the embeddings are tied, and a value head
    /// absent from the file is set to zero, so V = 0 everywhere until trained (base and SFT models have none).
    /// </summary>
    /// <exception cref="InvalidDataException">Names that do not map, missing names or shape mismatches, all listed.</exception>
    public static void LoadWeights(PolicyModel model, string path) => LoadWeights(model, path, dropValueHead: false);

    // dropValueHead: value_head.* tensors in the file are skipped when the model has no value head.
    private static void LoadWeights(PolicyModel model, string path, bool dropValueHead)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        using var scope = NewDisposeScope();
        var targets = model.state_dict();
        var sources = new Dictionary<string, (string File, SafetensorsEntry Entry)>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in WeightFiles(path))
        {
            foreach (var entry in Safetensors.ReadHeader(file))
            {
                if (!sources.TryAdd(entry.Name, (file, entry)))
                {
                    problems.Add($"tensor '{entry.Name}' is in both {Path.GetFileName(sources[entry.Name].File)} and {Path.GetFileName(file)}");
                }
            }
        }

        bool Skipped(string name) =>
            name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)
            || (name == "lm_head.weight" && model.Config.TieEmbeddings)
            || (dropValueHead && !model.Config.ValueHead && IsValueHead(name));
        var unmapped = sources.Keys.Where(n => !targets.ContainsKey(n) && !Skipped(n)).Order(StringComparer.Ordinal).ToList();
        var freshValueHead = !sources.Keys.Any(IsValueHead);
        var missing = targets.Keys.Where(n => !sources.ContainsKey(n) && !(freshValueHead && IsValueHead(n))).ToList();
        var mismatched = sources
            .Where(s => targets.TryGetValue(s.Key, out var target) && !target.shape.SequenceEqual(s.Value.Entry.Shape))
            .Select(s => $"{s.Key} [{string.Join(", ", s.Value.Entry.Shape)}] in the file vs [{string.Join(", ", targets[s.Key].shape)}] in the model")
            .ToList();
        if (unmapped.Count > 0)
        {
            problems.Add($"{unmapped.Count} tensor(s) map onto no parameter: {string.Join(", ", unmapped)}");
        }

        if (missing.Count > 0)
        {
            problems.Add($"{missing.Count} parameter(s) are missing from the file: {string.Join(", ", missing)}");
        }

        if (mismatched.Count > 0)
        {
            problems.Add($"{mismatched.Count} shape mismatch(es): {string.Join("; ", mismatched)}");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"the weights in '{path}' do not fit the model: {string.Join(". ", problems)}");
        }

        using var noGrad = no_grad();
        if (freshValueHead)
        {
            foreach (var target in targets.Where(t => IsValueHead(t.Key)))
            {
                target.Value.zero_();
            }
        }

        foreach (var group in sources.Where(s => targets.ContainsKey(s.Key)).GroupBy(s => s.Value.File))
        {
            var names = group.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, tensor) in Safetensors.Read(group.Key, names))
            {
                // copy_ converts the dtype and crosses devices; the CPU copy goes at once.
                using (tensor)
                {
                    targets[name].copy_(tensor);
                }
            }
        }
    }

    private static bool IsValueHead(string name) => name.StartsWith("value_head.", StringComparison.Ordinal);

    private static List<string> WeightFiles(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"no checkpoint at '{path}'", path);
        }

        var single = Path.Combine(path, WeightsFile);
        if (File.Exists(single))
        {
            return [single];
        }

        var index = Path.Combine(path, IndexFile);
        if (!File.Exists(index))
        {
            throw new FileNotFoundException($"'{path}' has neither {WeightsFile} nor {IndexFile}", single);
        }

        try
        {
            var map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"]?.AsObject()
                ?? throw new InvalidDataException($"'{index}' has no weight_map");
            return [.. map.Select(m => Path.Combine(path, (string)m.Value!)).Distinct(StringComparer.Ordinal)];
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{index}' is not valid JSON: {ex.Message}", ex);
        }
    }
}
