using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// What one <see cref="PolicyModel.Forward"/> returns. The tensors belong to the caller's dispose scope.
/// </summary>
/// <param name="Logits">Next-token logits [B, T, vocab] in the model's dtype.</param>
/// <param name="Values">Value-head estimates [B, T] when the model has a value head, else null.</param>
public sealed record PolicyOutput(Tensor Logits, Tensor? Values);
