using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>
/// A published copy of a model's parameters with the policy version they are: what the learner hands to
/// the acting policy, so rollouts can play version v while the learner already trains v + 1. Owns its
/// tensors until disposed.
/// </summary>
public sealed class PolicyWeights : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    private PolicyWeights(int version, Dictionary<string, Tensor> tensors)
    {
        Version = version;
        _tensors = tensors;
    }

    /// <summary>The policy version these weights are.</summary>
    public int Version { get; }

    /// <summary>Copies <paramref name="model"/>'s parameters (detached, on its device) as version <paramref name="version"/>.</summary>
    public static PolicyWeights Capture(PolicyModel model, int version)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                var copy = parameter.detach().clone();
                copy.DetachFromDisposeScope();
                tensors[name] = copy;
            }
        }

        return new PolicyWeights(version, tensors);
    }

    /// <summary>Writes these weights into <paramref name="model"/>, which must have the same parameter names and shapes.</summary>
    /// <exception cref="InvalidOperationException">The model's parameters do not match.</exception>
    public void CopyTo(PolicyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        var seen = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!_tensors.TryGetValue(name, out var source) || !source.shape.SequenceEqual(parameter.shape))
            {
                throw new InvalidOperationException($"published weights do not fit the model: parameter {name} is missing or has another shape");
            }

            parameter.copy_(source);
            seen++;
        }

        if (seen != _tensors.Count)
        {
            throw new InvalidOperationException($"published weights have {_tensors.Count} tensors but the model {seen}");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
