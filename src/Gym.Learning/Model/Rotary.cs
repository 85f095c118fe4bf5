using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// Rotary position embeddings in the Hugging Face Llama/Qwen2 convention ("rotate half": channel i pairs
/// with channel i + d/2), so checkpoints trained there give the same activations here.
/// </summary>
internal static class Rotary
{
    /// <summary>
    /// Cosines and sines for <paramref name="positions"/> [B, T], shaped [B, 1, T, headDim] to broadcast over
    /// heads. Computed in float32 (positions times frequencies lose precision in half types).
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Angles(Tensor positions, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, ScalarType.Float32, positions.device) / headDim;
        var inverseFrequencies = pow(theta, exponents).reciprocal();
        var frequencies = positions.to_type(ScalarType.Float32).unsqueeze(-1) * inverseFrequencies;
        var angles = cat([frequencies, frequencies], -1).unsqueeze(1);
        return (angles.cos().to_type(dtype).MoveToOuterDisposeScope(), angles.sin().to_type(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> [B, H, T, D] by the angles from <see cref="Angles"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return ((x * cos) + (rotated * sin)).MoveToOuterDisposeScope();
    }
}
