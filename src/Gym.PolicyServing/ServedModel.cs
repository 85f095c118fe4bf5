using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;

namespace Gym.PolicyServing;

/// <summary>The TorchSharp policy a <see cref="PolicyServer"/> serves, already on its device.</summary>
/// <param name="Id">The model id clients name in <c>model</c> and <c>GET /v1/models</c> lists.</param>
/// <param name="Model">The model; the server's generation thread is its only user while it serves.</param>
/// <param name="Tokenizer">Its tokenizer; it must have the chat template's markers.</param>
/// <param name="Format">The chat template's format (default: Gym's ChatML).</param>
public sealed record ServedModel(string Id, PolicyModel Model, IPolicyTokenizer Tokenizer, ChatFormat? Format = null)
{
    /// <summary>The chat template requests are rendered with (the one rollouts and training use).</summary>
    public ChatTemplate CreateTemplate() => new(Tokenizer, Format);
}
