using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>The Llama/Qwen2 MLP: <c>down(silu(gate(x)) * up(x))</c>, no biases.</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    // Fields in call order; component names are the Hugging Face ones so state_dict keys match checkpoints.
    [ComponentName(Name = "gate_proj")]
    private readonly Linear _gate;

    [ComponentName(Name = "up_proj")]
    private readonly Linear _up;

    [ComponentName(Name = "down_proj")]
    private readonly Linear _down;

    public SwiGluMlp(PolicyConfig config)
        : base(nameof(SwiGluMlp))
    {
        _gate = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        _up = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        _down = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = nn.functional.silu(_gate.forward(input)) * _up.forward(input);
        return _down.forward(hidden).MoveToOuterDisposeScope();
    }
}
