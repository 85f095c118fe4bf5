using Gym.Learning.Model;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Model;

/// <summary>Small configurations and helpers shared by the model tests (CPU, milliseconds per forward).</summary>
internal static class TestModels
{
    /// <summary>Grouped-query attention (4 query heads over 2 kv heads), untied output, Qwen2 biases.</summary>
    public static PolicyConfig Small { get; } = new()
    {
        VocabSize = 64,
        HiddenSize = 32,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        IntermediateSize = 64,
        MaxPositions = 128,
        TieEmbeddings = false,
    };

    public static Tensor Ids(params long[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Int64);

    public static Tensor Floats(params float[] values) => tensor(values);

    public static Tensor Bools(long rows, long columns, params bool[] values) => tensor(values, [rows, columns]);

    /// <summary>Logits [B, T, V] of a no-grad, eval-mode forward, as float32.</summary>
    public static Tensor Logits(PolicyModel model, Tensor ids, Tensor? positions = null, Tensor? mask = null)
    {
        model.eval();
        using var noGrad = no_grad();
        return model.Forward(ids, positions, mask).Logits.to_type(ScalarType.Float32);
    }

    public static float MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    /// <summary>Random ids in [0, vocab) from a fixed seed.</summary>
    public static int[] RandomIds(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(vocab))];
    }
}
