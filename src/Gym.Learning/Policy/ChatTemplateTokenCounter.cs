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
/// <param name="name">The counter's name (default <c>chat-template</c>; the file's path when read from one).</param>
public sealed class ChatTemplateTokenCounter(ChatTemplate template, string name = "chat-template") : ITokenCounter
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));

    /// <summary>
    /// A counter for a Hugging Face <c>tokenizer.json</c>: its tokenizer, with the chat template its
    /// <c>tokenizer_config.json</c> names (Gym's ChatML when it names none), so a message counts the ids the
    /// model reads for it. What <c>gym run --tokenizer tokenizer.json</c> counts with.
    /// </summary>
    /// <exception cref="NotSupportedException">The tokenizer or its chat template is not supported.</exception>
    public static ChatTemplateTokenCounter FromTokenizerFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var tokenizer = Tokenization.HuggingFaceTokenizer.Load(path);
        var format = ChatFormats.Resolve(null, Path.GetDirectoryName(Path.GetFullPath(path)));
        try
        {
            return new ChatTemplateTokenCounter(new ChatTemplate(tokenizer, format), path);
        }
        catch (ArgumentException exception)
        {
            throw new NotSupportedException(exception.Message, exception);
        }
    }

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public int Count(ChatMessage message) => _template.RenderMessage(message).Length;

    /// <inheritdoc />
    public int CountText(string text) => _template.Tokenizer.Encode(text, parseSpecialTokens: false).Length;

    /// <inheritdoc />
    public override string ToString() => Name;
}
