using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// Root-mean-square layer norm as in Llama/Qwen2: <c>weight * x / sqrt(mean(x²) + eps)</c>, computed in
/// float32 whatever the activations' type (half-precision squares overflow), then cast back.
/// TorchSharp 0.107 has no RMSNorm module of its own.
/// </summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;

    private readonly double _eps;

    public RmsNorm(long size, double eps)
        : base(nameof(RmsNorm))
    {
        _weight = new Parameter(ones(size));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var normalized = x * rsqrt(x.pow(2).mean([-1], keepdim: true) + _eps);
        return (_weight * normalized.to_type(input.dtype)).MoveToOuterDisposeScope();
    }
}
