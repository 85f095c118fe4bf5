using System.Diagnostics;
using System.Globalization;
using Gym.Learning.Model;
using TorchSharp;
using static TorchSharp.torch;

// Usage: Gym.LearningBench [--presets tiny,100m] [--reps 3]
// Prints a Markdown table of tokens/s: forward (prefill), a training step (forward, backward, AdamW)
// and KV-cache generation at batch 1 and 8, per preset, on CPU, medians of the repetitions.
var presets = Arg("--presets", "tiny,100m").Split(',');
var reps = int.Parse(Arg("--reps", "3"), CultureInfo.InvariantCulture);
Console.WriteLine($"threads: {torch.get_num_threads()}, cores: {Environment.ProcessorCount}, load: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();
Console.WriteLine("| preset | parameters | forward tokens/s (B×T) | training tokens/s (B×T) | generation tokens/s, batch 1 | generation tokens/s, batch 8 |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
foreach (var name in presets)
{
    var (config, batch, length, newTokens) = name switch
    {
        "tiny" => (PolicyConfig.Tiny, 8, 256, 64),
        "100m" => (PolicyConfig.Small100M, 2, 128, 16),
        _ => throw new ArgumentException($"unknown preset '{name}' (tiny, 100m)"),
    };
    using var model = new PolicyModel(config, seed: 1);
    var forward = Median(reps, () => Forward(model, batch, length));
    using var optimizer = torch.optim.AdamW(model.parameters(), lr: 1e-4);
    var training = Median(reps, () => Train(model, optimizer, batch, length));
    var gen1 = Median(reps, () => Generate(model, 1, newTokens));
    var gen8 = Median(reps, () => Generate(model, 8, newTokens));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {model.ParameterCount():N0} | {forward:N0} ({batch}×{length}) | {training:N0} ({batch}×{length}) | {gen1:N0} | {gen8:N0} |"));
}

static double Forward(PolicyModel model, int batch, int length)
{
    model.eval();
    using var scope = torch.NewDisposeScope();
    using var grad = torch.no_grad();
    var ids = torch.randint(0, model.Config.VocabSize, [batch, length], dtype: ScalarType.Int64);
    var clock = Stopwatch.StartNew();
    _ = model.Forward(ids).Logits;
    return batch * length / clock.Elapsed.TotalSeconds;
}

// One optimizer for all repetitions: its first step allocates AdamW's moment buffers, which the warm-up absorbs.
static double Train(PolicyModel model, torch.optim.Optimizer optimizer, int batch, int length)
{
    model.train();
    using var scope = torch.NewDisposeScope();
    var ids = torch.randint(0, model.Config.VocabSize, [batch, length], dtype: ScalarType.Int64);
    var clock = Stopwatch.StartNew();
    var logits = model.Forward(ids).Logits;
    var loss = torch.nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, model.Config.VocabSize), ids[.., 1..].reshape(-1));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    return batch * length / clock.Elapsed.TotalSeconds;
}

static double Generate(PolicyModel model, int batch, int newTokens)
{
    var prompts = Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, 16).Select(i => (b * 31 + i * 7) % 250).ToArray()).ToList();
    var clock = Stopwatch.StartNew();
    var output = model.Generate(prompts, new SamplingOptions(newTokens, Temperature: 1, Seed: 5));
    return output.Sum(o => o.TokenIds.Count) / clock.Elapsed.TotalSeconds;
}

static double Median(int reps, Func<double> measure)
{
    _ = measure(); // warm-up: JIT and allocator
    var values = Enumerable.Range(0, reps).Select(_ => measure()).Order().ToList();
    return values[values.Count / 2];
}

string Arg(string option, string fallback)
{
    var i = Array.IndexOf(args, option);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
