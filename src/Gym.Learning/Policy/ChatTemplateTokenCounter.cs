using Gym.Core;
using Gym.Core.Context;

namespace Gym.Learning.Policy;

/// <summary>
/// Counts context tokens as a <see cref="TorchPolicy"/> reads them: a message counts the ids
/// <see cref="ChatTemplate.RenderMessage"/> gives it (markers, role line, content, newline). Recorded
/// context sizes then measure the policy's own context; the BOS id and the generation prompt, a few ids
/// per turn, are not counted.
/// </summary>
/// <param name="template">The policy's chat template.</param>
public sealed class ChatTemplateTokenCounter(ChatTemplate template) : ITokenCounter
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));

    /// <inheritdoc />
    public string Name => "chat-template";

    /// <inheritdoc />
    public int Count(ChatMessage message) => _template.RenderMessage(message).Length;

    /// <inheritdoc />
    public int CountText(string text) => _template.Tokenizer.Encode(text, parseSpecialTokens: false).Length;

    /// <inheritdoc />
    public override string ToString() => Name;
}
